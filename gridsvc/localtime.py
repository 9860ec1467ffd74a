"""Beijing time: the zone township offices, phones and the office calendar count in.

Stored times are UTC; days (patrol days, the list's effective dates, working hours) are
Asia/Shanghai days, whichever room counts them.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
