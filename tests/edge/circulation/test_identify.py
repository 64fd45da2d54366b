"""Patron identification: card UIDs, barcodes and typed numbers become ILS
patron ids by the site's rules; the ILS checks PINs and blocks; offline the
device's cache stands in."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.circulation.identify import PatronRules, load_lookup
from edge.circulation.model import CardUid, ScannedCode, TypedNumber
from edge.circulation.reasons import Reason
from edge.circulation.service import CirculationService
from edge.config.models import PatronSection
from tests.edge.circulation.conftest import CARD_P0001, CARD_P0003, start_service
from tests.peers.circulation import Rig

UID = bytes.fromhex("04A1B2C3D4E5F6")


def test_uid_rules_byte_order_format_and_prefix() -> None:
    assert PatronRules(PatronSection()).patron_id(CardUid(UID)) == "04A1B2C3D4E5F6"
    lsb = PatronRules(PatronSection(uid_byte_order="lsb"))
    assert lsb.patron_id(CardUid(UID)) == "F6E5D4C3B2A104"
    decimal = PatronRules(PatronSection(uid_format="decimal", id_prefix="VN"))
    assert decimal.patron_id(CardUid(UID)) == "VN" + str(int.from_bytes(UID, "big"))
    both = PatronRules(PatronSection(uid_format="decimal", uid_byte_order="lsb"))
    assert both.patron_id(CardUid(UID)) == str(int.from_bytes(UID, "little"))


def test_pattern_and_lookup_table(tmp_path: Path) -> None:
    table = tmp_path / "cards.csv"
    table.write_text("credential,patron\n# old cards\nlib-000123,P0004\n04A1B2C3D4E5F6,P0001\n",
                     encoding="utf-8")
    section = PatronSection(id_pattern=r"(?:smartlib:card:)?(?P<id>[A-Za-z0-9-]{4,20})",
                            lookup_file=table, id_prefix="X")
    rules = PatronRules(section)
    assert rules.patron_id(ScannedCode("LIB-000123")) == "P0004"  # case-insensitive key
    assert rules.patron_id(ScannedCode("smartlib:card:P0002")) == "XP0002"
    assert rules.patron_id(CardUid(UID)) == "P0001"
    assert rules.patron_id(TypedNumber("a b")) is None  # does not match the pattern
    assert rules.patron_id(TypedNumber("")) is None


def test_a_lookup_table_line_without_a_patron_names_the_line(tmp_path: Path) -> None:
    table = tmp_path / "cards.csv"
    table.write_text("AAA,P1\nBBB\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"cards.csv:2"):
        load_lookup(table)


async def test_card_typed_number_and_unknown_card(service: CirculationService) -> None:
    found = await service.identify(CardUid(UID))
    assert found.status == "ok" and found.patron is not None
    assert found.patron.id == "P0001" and found.patron.email == "minhanh@example.vn"
    typed = await service.identify(TypedNumber("P0002"))
    assert typed.patron is not None and typed.patron.name == "Trần Văn Đức"
    assert typed.patron.fines == "25000"
    unknown = await service.identify(CardUid(bytes.fromhex("04000000000001")))
    assert (unknown.status, unknown.reason) == ("refused", Reason.PATRON_UNKNOWN)


async def test_pin_required_wrong_and_right(rig: Rig) -> None:
    service = await start_service(rig, patron="pin_required = true")
    try:
        card = CardUid(bytes.fromhex(CARD_P0001))
        first = await service.identify(card)
        assert (first.status, first.reason, first.patron) == ("pin_required",
                                                              Reason.PIN_REQUIRED, None)
        wrong = await service.identify(card, "9999")
        assert (wrong.status, wrong.reason) == ("refused", Reason.PIN_WRONG)
        right = await service.identify(card, "1234")
        assert right.status == "ok" and right.patron is not None
        assert "1234" not in repr(right.patron)
        # offline, the PIN the ILS accepted is checked against the cached hash
        await rig.ils.go_offline()
        offline_wrong = await service.identify(card, "0000")
        assert (offline_wrong.status, offline_wrong.reason) == ("refused", Reason.PIN_WRONG)
        offline_right = await service.identify(card, "1234")
        assert offline_right.status == "ok" and offline_right.patron is not None
        assert offline_right.patron.offline and offline_right.patron.name == "Nguyễn Thị Minh Anh"
    finally:
        await service.close()


async def test_a_blocked_patron_is_identified_but_may_not_borrow(
        rig: Rig, service: CirculationService) -> None:
    found = await service.identify(CardUid(bytes.fromhex(CARD_P0003)))
    assert found.status == "ok" and found.patron is not None
    assert found.patron.blocked and found.reason is Reason.PATRON_BLOCKED
    assert found.patron.block_reason and "Card expired" in found.patron.block_reason
    rig.hardware.place("30000001")
    result = await service.checkout(found.patron, ["30000001"])
    assert result.reason is Reason.PATRON_BLOCKED
    assert [i.reason for i in result.items] == [Reason.PATRON_BLOCKED]
    assert await rig.ils.loan("30000001") is None
    # offline, the cached block still stands
    await rig.ils.go_offline()
    again = await service.identify(CardUid(bytes.fromhex(CARD_P0003)))
    assert again.patron is not None and again.patron.offline and again.patron.blocked


async def test_offline_identification_of_a_never_seen_patron(
        rig: Rig, service: CirculationService) -> None:
    await rig.ils.go_offline()
    found = await service.identify(TypedNumber("P0004"))
    assert found.status == "ok" and found.patron is not None
    assert found.patron.offline and found.patron.name is None
