"""The permission matrix's table: every row, registered by the modules that hold them.

The notation of a row is in tests/matrix/core.py; the fixtures its targets name in
tests/matrix/world.py. A new operation that takes an id gets its row in the module of its room.
"""

from __future__ import annotations

from tests.matrix import (  # noqa: F401  (they register)
    rows_cases,
    rows_directory,
    rows_maps,
    rows_places,
)
from tests.matrix.core import CALLERS, MISSING_ID, ROWS, Row, parse

__all__ = ["CALLERS", "MISSING_ID", "ROWS", "Row", "parse"]
