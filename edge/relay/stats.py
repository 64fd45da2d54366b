"""Daily statistics: which counters an event moves, and on which day.

Counted per library (site), device and day (the device's local date, or the
transaction's own date for an offline transaction replayed later): loans,
returns, renewals, offline transactions, conflicts, alarms, visitors. Pure.
"""

from __future__ import annotations

from typing import Final

from edge.contract.envelope import Envelope

COUNTERS: Final = ("loans", "returns", "renewals", "offline_transactions", "conflicts",
                   "alarms", "visitors")
#: Bookkeeping columns beside the counters.
INGEST: Final = ("events", "duplicates", "rejected")

_ONE: Final = {
    "loan": "loans",
    "return": "returns",
    "renewal": "renewals",
    "offline_transaction": "offline_transactions",
    "offline_conflict": "conflicts",
    "gate_alarm": "alarms",
}


def counter_deltas(env: Envelope) -> dict[str, int]:
    if env.type == "visitor_count":
        return {"visitors": int(env.payload.get("entered", 0))}
    column = _ONE.get(env.type)
    return {column: 1} if column else {}


def event_day(env: Envelope) -> str:
    """``YYYY-MM-DD``: when the thing happened, in the device's local time."""
    for key in ("transaction_time", "period_start"):
        value = env.payload.get(key)
        if isinstance(value, str) and len(value) >= 10:
            return value[:10]
    return env.time[:10]
