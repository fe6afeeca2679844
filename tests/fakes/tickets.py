"""An in-memory ticket ledger (the `TicketLedger` port of functions.dashboard.tickets)."""

from __future__ import annotations


class MemoryTicketLedger:
    """Spent ticket ids with the time until which they are remembered (what the table's TTL
    would delete after). `fail` makes every spend raise, as an unreachable table would."""

    def __init__(self) -> None:
        self.spent: dict[str, int] = {}
        self.fail = False

    def spend(self, ticket_id: str, *, expires_at: int) -> bool:
        """True the first time `ticket_id` is spent."""
        if self.fail:
            raise ConnectionError("ticket table unreachable")
        if ticket_id in self.spent:
            return False
        self.spent[ticket_id] = expires_at
        return True
