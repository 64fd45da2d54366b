"""The demo library's circulation rules and identity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Policy:
    institution_id: str = "TVTPHN"
    library_isil: str = "VN-TVTPHN"
    library_name: str = "Thư viện Thành phố Hà Nội"
    location: str = "TANG1"
    loan_days: int = 14
    #: Renewals a new loan may have.
    max_renewals: int = 2
    fine_per_day_vnd: int = 2_000
    #: Above this the patron may not borrow (excessive outstanding fines).
    fee_limit_vnd: int = 50_000
    hold_limit: int = 10
    #: 98's timeout period in tenths of a second (999: unknown).
    timeout_period: int = 999
    #: 98's retries allowed (999: unknown).
    retries_allowed: int = 3

    @classmethod
    def from_demo_data(cls, data: dict[str, Any], **overrides: Any) -> Policy:
        library = data.get("library", {})
        values: dict[str, Any] = {
            "institution_id": library.get("institution_id", cls.institution_id),
            "library_isil": library.get("isil", cls.library_isil),
            "library_name": library.get("name", cls.library_name),
            "location": library.get("location", cls.location),
        }
        values.update(overrides)
        return cls(**values)
