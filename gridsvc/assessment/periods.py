"""Assessment periods: day, ISO week, month, quarter, year or a custom range of Beijing days.

A period is a half-open range of Asia/Shanghai calendar days, ``[first, last + 1 day)``; the
instants are midnights in Beijing, so a case reported at 23:30 on the 31st belongs to that month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from gridsvc.errors import Invalid
from gridsvc.localtime import SHANGHAI

KINDS = ("day", "week", "month", "quarter", "year", "custom")
# A custom range longer than this is refused: reports are monthly to yearly, never a decade.
MAX_CUSTOM_DAYS = 400
NAMES_ZH = {
    "day": "日",
    "week": "周",
    "month": "月",
    "quarter": "季度",
    "year": "年",
    "custom": "自定义",
}


@dataclass(frozen=True)
class Period:
    kind: str
    first: date
    last: date  # inclusive

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), SHANGHAI)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(0), SHANGHAI)

    @property
    def label_zh(self) -> str:
        if self.first == self.last:
            return self.first.isoformat()
        return f"{self.first.isoformat()} 至 {self.last.isoformat()}"

    def as_dict(self) -> dict:
        return {"kind": self.kind, "from": self.first, "to": self.last}


def today() -> date:
    return datetime.now(SHANGHAI).date()


def period(kind: str, day: date | None = None, last: date | None = None) -> Period:
    """The period of ``kind`` holding ``day`` (today by default); custom runs ``day``..``last``."""
    day = day or today()
    if kind == "day":
        return Period(kind, day, day)
    if kind == "week":
        monday = day - timedelta(days=day.weekday())
        return Period(kind, monday, monday + timedelta(days=6))
    if kind == "month":
        return Period(kind, day.replace(day=1), _month_end(day.year, day.month))
    if kind == "quarter":
        first_month = 3 * ((day.month - 1) // 3) + 1
        return Period(kind, date(day.year, first_month, 1), _month_end(day.year, first_month + 2))
    if kind == "year":
        return Period(kind, date(day.year, 1, 1), date(day.year, 12, 31))
    if kind == "custom":
        if last is None:
            raise Invalid(
                "A custom period needs from and to.",
                code="assessment.period_incomplete",
                errors={"to": ["required for period=custom"]},
            )
        if last < day or (last - day).days >= MAX_CUSTOM_DAYS:
            raise Invalid(
                f"to must be on or after from, at most {MAX_CUSTOM_DAYS} days.",
                code="assessment.period_range",
                errors={"to": [f"on or after from, within {MAX_CUSTOM_DAYS} days"]},
            )
        return Period(kind, day, last)
    raise Invalid(f"Unknown period {kind!r}.", code="assessment.period_unknown")


def _month_end(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)
