"""Reader URLs: one parser for every scheme, a small explicit registry."""

from __future__ import annotations

import pytest

from drivers.rfid import ReaderConfigError, make_reader, parse_url
from drivers.rfid.feig.driver import FeigReader
from drivers.rfid.url import READER_PROTOCOLS


def test_serial_socket_and_pcsc_urls() -> None:
    serial = parse_url("feig:///dev/serial/by-id/usb-FTDI-if00-port0?baud=115200&adr=0x00")
    assert (serial.scheme, serial.target) == ("feig", "/dev/serial/by-id/usb-FTDI-if00-port0")
    assert dict(serial.options) == {"baud": "115200", "adr": "0x00"}
    socket = parse_url("feig+socket://192.0.2.10:10001")
    assert (socket.scheme, socket.target) == ("feig+socket", "192.0.2.10:10001")
    pcsc = parse_url("pcsc://ACS ACR1252 1S CL Reader [ACR1252 1S CL Reader PICC] 00 00")
    assert pcsc.target == "ACS ACR1252 1S CL Reader [ACR1252 1S CL Reader PICC] 00 00"
    assert parse_url("pcsc://Identiv%20uTrust%203700%20F?layout=part3-storage").target == \
        "Identiv uTrust 3700 F"


def test_scheme_picks_the_driver_and_options_reach_it() -> None:
    reader = make_reader("feig+socket://127.0.0.1:10001?baud=auto&ont=clear&mem=true")
    assert isinstance(reader, FeigReader)
    assert reader.port == "socket://127.0.0.1:10001"
    assert reader.options.baud is None and reader.options.ont == "clear"
    assert not reader.options.mem_raw


@pytest.mark.parametrize(("url", "message"), [
    ("/dev/ttyUSB0", "no scheme"),
    ("rfid9000:///dev/ttyUSB0", "unknown reader scheme"),
    ("feig:///dev/ttyUSB0?baud=38400&baud=9600", "given twice"),
    ("feig:///dev/ttyUSB0?ont=sometimes", "choose one of"),
    ("feig://", "no device"),
    ("nfc://usb", "nfcpy has no ISO 15693"),
    ("sim://library?timing=1", "unknown pad"),
])
def test_bad_urls_say_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(ReaderConfigError, match=message):
        make_reader(url)


def test_a_registry_is_passed_in_not_patched() -> None:
    registry = {**READER_PROTOCOLS, "lab": "drivers.sim.reader:from_url"}
    assert make_reader("lab://empty", registry).url == "lab://empty"
    with pytest.raises(ReaderConfigError):
        make_reader("lab://empty")
    with pytest.raises(TypeError):
        READER_PROTOCOLS["lab"] = "x:y"  # type: ignore[index]
