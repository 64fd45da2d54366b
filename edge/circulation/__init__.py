"""Circulation: patron identification, the stack on the pad, and checkout,
return and renew as journaled transactions that keep the ILS loan and the
tag's security state in step, online and offline; receipts.

The kiosk and the book drop call one object, :class:`CirculationService`
(docs/circulation.md); :func:`service_from_config` builds it for a device.
Modules are imported by name (``edge.circulation.service`` ...) so that
importing this package stays cheap.
"""

from edge.circulation.model import (
    CardPresented,
    CardUid,
    CheckinRouting,
    Credential,
    HoldInfo,
    IdentifyResult,
    IlsChanged,
    ItemProgress,
    ItemResult,
    LoanInfo,
    LockChanged,
    OfflineStatus,
    Patron,
    PatronSummary,
    QueueChanged,
    ReaderChanged,
    ScannedCode,
    ServiceEvent,
    ServiceStatus,
    Stack,
    StackChanged,
    StackItem,
    StackProblem,
    StackTag,
    SummaryResult,
    TransactionResult,
    TypedNumber,
)
from edge.circulation.reasons import Reason, reason_text

__all__ = [
    "CardPresented", "CardUid", "CheckinRouting", "Credential", "HoldInfo", "IdentifyResult",
    "IlsChanged", "ItemProgress", "ItemResult", "LoanInfo", "LockChanged", "OfflineStatus",
    "Patron", "PatronSummary", "QueueChanged", "ReaderChanged", "Reason", "ScannedCode",
    "ServiceEvent", "ServiceStatus", "Stack", "StackChanged", "StackItem", "StackProblem",
    "StackTag", "SummaryResult", "TransactionResult", "TypedNumber", "reason_text",
]
