"""The caller's scope and the helpers every query uses to stay inside it.

A scope is the most specific of (township, county, global) a user carries. Rows outside the caller's
scope are reported as 404, never 403: existence itself is not disclosed across townships.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, false, true


@dataclass(frozen=True)
class Scope:
    user_id: int | None  # None: the shell (CLI), acting as nobody in particular
    role: str
    county_code: str | None = None
    township_code: str | None = None
    team_id: int | None = None

    @classmethod
    def of(cls, user) -> Scope:
        return cls(user.id, user.role, user.county_code, user.township_code, user.team_id)

    @property
    def level(self) -> str:
        if self.township_code:
            return "township"
        if self.county_code:
            return "county"
        return "global"

    @property
    def area_prefix(self) -> str:
        """Area codes nest by prefix (county 6, township 9, village 12, grid 15 digits)."""
        return self.township_code or self.county_code or ""

    def covers(self, code: str | None) -> bool:
        """True when an area/grid code (any level) lies inside this scope."""
        if not self.area_prefix:
            return True
        if not code:
            return False
        return code.startswith(self.area_prefix)

    def in_county(self, county_code: str | None) -> bool:
        """True for a county-wide record (a team, a list entry) of the caller's county.

        Township staff read their whole county's teams and rules: they hand cases over to
        neighbours and call county departments.
        """
        return not self.county_code or self.county_code == county_code

    def covers_area_of(self, county_code: str | None, township_code: str | None) -> bool:
        if self.township_code:
            return township_code == self.township_code
        if self.county_code:
            return county_code == self.county_code
        return True

    def where(
        self, county_col: ColumnElement, township_col: ColumnElement | None = None
    ) -> ColumnElement[bool]:
        """SQL condition restricting rows to this scope (use on every list and read query)."""
        if self.township_code:
            if township_col is None:
                return false()
            return township_col == self.township_code
        if self.county_code:
            return county_col == self.county_code
        return true()

    def where_code(self, code_col: ColumnElement) -> ColumnElement[bool]:
        """Scope condition for tables keyed by a hierarchical area code."""
        if not self.area_prefix:
            return true()
        return code_col.startswith(self.area_prefix, autoescape=True)

    def apply(
        self, stmt: Select, county_col: ColumnElement, township_col: ColumnElement | None = None
    ) -> Select:
        return stmt.where(self.where(county_col, township_col))


# The shell (CLI commands, the demo loader) acts with global scope: whoever runs it already holds
# the database credentials.
SHELL_SCOPE = Scope(user_id=None, role="admin")
