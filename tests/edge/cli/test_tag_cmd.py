"""``smartlib tag decode`` / ``smartlib tag encode`` as staff use them."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.conftest import CliResult
from tests.drivers.tags.conftest import ANNEX_D, ANNEX_D_HEX, PART3_B1


def test_decode_json(cli: Callable[..., CliResult]) -> None:
    result = cli("tag", "decode", *ANNEX_D_HEX.split(), "--dsfid", "06", "--json")
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["model"], data["pii"], data["owner_isil"]) == (
        "28560-2", "123456789012", "US-InU-Mu")
    assert (data["parts_in_item"], data["part_number"], data["type_of_usage"]) == (12, 3, None)
    assert data["crc_ok"] is None and data["dsfid"] == 6
    assert [(e["oid"], e["name"]) for e in data["elements"]] == [
        (1, "primary item identifier"), (2, "content parameter"), (4, "set information"),
        (6, "shelf location"), (3, "owner institution (ISIL)")]


def test_decode_part3_reports_the_crc(cli: Callable[..., CliResult]) -> None:
    result = cli("tag", "decode", PART3_B1.hex(":"), "--json")
    data = json.loads(result.stdout)
    assert result.code == 0 and data["model"] == "28560-3" and data["crc_ok"] is True
    assert data["owner_isil"] == "DK-718500" and data["type_of_usage"] == 1


@pytest.mark.parametrize(("language", "words"), [
    ("en", ["part 3 of 12", "US-InU-Mu", "6-bit", "shelf location: QA268.L55"]),
    ("vi", ["phần 3 / 12", "US-InU-Mu", "phần tử:"]),
])
def test_decode_text(cli: Callable[..., CliResult], language: str, words: list[str]) -> None:
    result = cli("--lang", language, "tag", "decode", ANNEX_D.hex())
    assert result.code == 0
    for word in words:
        assert word in result.stdout


@pytest.mark.parametrize(("args", "where"), [
    (["91 00 05 1C BE 99 ZZ"], "byte 6: 'Z'"),
    (["91 00 05 1C B"], "byte 4: "),
    (["91 00 45 1C BE 99"], "byte 3: OID 1 needs 69 bytes"),
    (["00 00 00 00"], "all 4 bytes are 00"),
    (["42 01 02"], "byte 0: 0x42 starts neither"),
    ([ANNEX_D_HEX, "--dsfid", "1FF"], "--dsfid 1FF"),
])
@pytest.mark.parametrize("language", ["en", "vi"])
def test_decode_errors_exit_2_naming_the_byte(cli: Callable[..., CliResult], args: list[str],
                                             where: str, language: str) -> None:
    result = cli("--lang", language, "tag", "decode", *args)
    assert result.code == 2 and result.stdout == ""
    assert where in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.startswith("smartlib: error:" if language == "en" else "smartlib: lỗi:")


def test_encode_reproduces_annex_d(cli: Callable[..., CliResult]) -> None:
    result = cli("tag", "encode", "--pii", "123456789012", "--owner", "US-InU-Mu", "--set",
                 "3/12", "--shelf-location", "QA268.L55", "--lock-owner", "--capacity", "36",
                 "--json")
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["hex"] == ANNEX_D.hex().upper()
    assert data["lock_blocks"] == [0, 1, 6, 7, 8] and data["lock_map"] == "ll....lll"
    assert data["dsfid"] == "06" and data["model"] == "28560-2"


def test_encode_text_marks_the_blocks_to_lock(cli: Callable[..., CliResult]) -> None:
    result = cli("--lang", "en", "tag", "encode", "--pii", "123456789012", "--block-size", "8")
    assert result.code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "model 28560-2, DSFID 06, 2 blocks of 8 bytes"
    assert lines[1] == "   0  91 00 05 1C BE 99 1A 14  lock"
    assert lines[2] == "   1  00 00 00 00 00 00 00 00"


def test_encode_part3(cli: Callable[..., CliResult]) -> None:
    result = cli("tag", "encode", "--pii", "1000000056", "--owner", "DK-718500",
                 "--model", "28560-3", "--type-of-usage", "1", "--capacity", "32", "--json")
    assert json.loads(result.stdout)["hex"] == PART3_B1.hex().upper()


@pytest.mark.parametrize(("args", "message"), [
    (["--set", "4/3"], "--set 4/3"),
    (["--set", "x"], "--set x"),
    (["--model", "3m"], "read only"),
    (["--model", "28560-3", "--owner", "ZDB-1"], "two-letter prefix"),
    (["--capacity", "4"], "the tag holds 4"),
])
def test_encode_errors_exit_2(cli: Callable[..., CliResult], args: list[str],
                              message: str) -> None:
    result = cli("--lang", "en", "tag", "encode", "--pii", "123456789012", *args)
    assert result.code == 2 and message in result.stderr


def test_the_installed_command(cli_process: Callable[..., CliResult]) -> None:
    good = cli_process("tag", "decode", PART3_B1.hex(), "--json")
    assert good.code == 0 and json.loads(good.stdout)["pii"] == "1000000056"
    bad = cli_process("--lang", "en", "tag", "decode", "11 09 01")
    assert bad.code == 2 and "byte 2:" in bad.stderr and "Traceback" not in bad.stderr
