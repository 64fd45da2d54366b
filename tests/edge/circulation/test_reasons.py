"""Every refusal has a stable value, a unique staff code and a sentence for
the reader in Vietnamese and English."""

from __future__ import annotations

from edge.circulation.reasons import CODES, TEXTS, Reason, reason_text


def test_every_reason_has_a_unique_code_and_both_languages() -> None:
    assert set(CODES) == set(Reason) == set(TEXTS)
    assert len(set(CODES.values())) == len(CODES)
    for reason in Reason:
        assert reason.value == reason.name.lower()
        english, vietnamese = reason_text(reason, "en"), reason_text(reason, "vi")
        assert english == reason.text and vietnamese != english, reason


def test_codes_staff_look_up_do_not_move() -> None:
    assert (Reason.PATRON_UNKNOWN.code, Reason.SET_INCOMPLETE.code, Reason.ITEM_ON_HOLD.code,
            Reason.TAG_WRITE_FAILED.code, Reason.OFFLINE_LIMIT.code,
            Reason.DEVICE_LOCKED.code) == ("P01", "S01", "I02", "T01", "O03", "D01")
    assert reason_text("item_on_hold", "vi") == "Tài liệu này đang được giữ cho bạn đọc khác."
