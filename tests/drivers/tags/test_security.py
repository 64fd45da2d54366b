"""Security semantics: which AFI/EAS values mean secured, per site."""

from __future__ import annotations

import pytest

from drivers.tags.security import SecurityPolicy, SecurityState


def test_default_values_are_the_iso_working_group_note() -> None:
    policy = SecurityPolicy()
    assert (policy.afi_secured, policy.afi_on_loan) == (0x07, 0xC2)
    assert policy.afi_for(secured=True) == 0x07 and policy.afi_for(secured=False) == 0xC2
    assert policy.is_secured(0x07) is True and policy.is_secured(0xC2) is False
    assert policy.is_secured(0x00) is None and policy.is_secured(0xD7) is None
    assert policy.state(0x42) is SecurityState.UNKNOWN
    assert policy.eas_for(True) is None  # this site does not use EAS


def test_values_are_configurable_per_site() -> None:
    site = SecurityPolicy(afi_secured=0xD7, afi_on_loan=0xDA)
    assert site == SecurityPolicy.vendor_3m()
    assert site.is_secured(0xD7) is True and site.is_secured(0x07) is None


def test_eas_alone() -> None:
    policy = SecurityPolicy(use_afi=False, use_eas=True)
    assert policy.is_secured(0x00, eas=True) is True
    assert policy.is_secured(0x42, eas=False) is False
    assert policy.is_secured(0x07, eas=None) is None  # EAS not read: unknown
    assert policy.eas_for(False) is False


def test_afi_and_eas_together_must_agree() -> None:
    policy = SecurityPolicy(use_eas=True)
    assert policy.state(0x07, eas=True) is SecurityState.SECURED
    assert policy.state(0xC2, eas=False) is SecurityState.ON_LOAN
    assert policy.state(0x07, eas=False) is SecurityState.INCONSISTENT
    assert policy.is_secured(0x07, eas=False) is None
    assert policy.is_secured(0xC2) is False  # EAS not read: the AFI answers


@pytest.mark.parametrize(("fields", "message"), [
    ({"afi_secured": 0x100}, "one byte"),
    ({"afi_on_loan": -1}, "one byte"),
    ({"afi_secured": 0xC2}, "a gate could not tell them apart"),
    ({"use_afi": False, "use_eas": False}, "nothing would secure items"),
])
def test_impossible_policies_are_refused(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SecurityPolicy(**fields)  # type: ignore[arg-type]
