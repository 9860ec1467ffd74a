"""What a validation report is: its findings, and the summary counted from them.

Split from :mod:`gridsvc.geo.validate` so that callers who change a report's findings afterwards
(:mod:`gridsvc.boundaries.features` drops and adds some) recount with the same function the
validator uses.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gridsvc.geo.coverage import Finding

if TYPE_CHECKING:
    from gridsvc.geo.validate import Cell

#: Every severity a report's findings can carry. ``validate_layer`` finds errors and warnings;
#: "info" findings are notes callers add (how the file was read, features skipped).
SEVERITIES = ("error", "warning", "info")


def summarize_findings(findings: Iterable[Mapping]) -> dict:
    """The counts of a report's summary, from its final findings (JSON form: ``code``, ``severity``).

    :func:`~gridsvc.geo.validate.validate_layer` counts its own findings with it. Callers that then
    drop or add findings (specialist layers drop the unified layer's code checks; uploads add scope
    findings and notes) must recount the final list with it too, or the summary contradicts the
    findings shown beside it (a published specialist layer once read ``errors: 0`` beside
    ``by_severity.error: 402``).

    Returns:
        ``errors``, ``warnings``, ``by_code`` (sorted by code) and ``by_severity`` (every
        severity of :data:`SEVERITIES`, zero when absent), whose values add up to the number of
        findings.
    """
    by_code: Counter[str] = Counter()
    by_severity: Counter[str] = Counter()
    for f in findings:
        by_code[f["code"]] += 1
        by_severity[f["severity"]] += 1
    return {
        "errors": by_severity["error"],
        "warnings": by_severity["warning"],
        "by_code": dict(sorted(by_code.items())),
        # A severity outside SEVERITIES is still counted, so the counts always add up.
        "by_severity": {**{k: 0 for k in SEVERITIES}, **by_severity},
    }


@dataclass
class Report:
    """The outcome of :func:`~gridsvc.geo.validate.validate_layer`.

    ``cells`` are the input cells, with repaired geometries when ``Rules.repair`` was set, ready to
    store when ``ok``. ``summary`` holds counts by finding code and severity, the feature count
    and the total area.
    """

    findings: list[Finding]
    summary: dict
    repaired: list[str] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings do not block publishing)."""
        return not any(f.severity == "error" for f in self.findings)

    def to_dict(self) -> dict:
        """JSON-serialisable form (without the cells' geometries)."""
        return {
            "ok": self.ok,
            "summary": self.summary,
            "findings": [f.to_dict() for f in self.findings],
            "repaired": list(self.repaired),
        }
