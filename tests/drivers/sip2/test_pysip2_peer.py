"""Our client against a SIP2 server we did not write: the pysip2 server
framework from PyPI (https://pypi.org/project/pysip2/), with the minimal
handlers a library system would register."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from pysip2 import (
    CHECKIN,
    CHECKOUT,
    ITEM_INFORMATION,
    LOGIN,
    PATRON_STATUS,
    CheckinResponse,
    CheckoutResponse,
    ItemInformationResponse,
    LoginResponse,
    PatronStatusResponse,
    SIP2Server,
)

from drivers.sip2 import Sip2Client, Sip2ConnectionError, Sip2ProtocolError, Sip2Settings

TITLE = "Tiếng Việt thực hành"
LOANS: dict[str, str] = {}


def _server(name: str = "Nguyễn Văn A", **options: Any) -> SIP2Server:
    options.setdefault("encoding", "utf-8")
    app = SIP2Server(institution_id="PYLIB", library_name="pysip2 library",
                     login_required=True, **options)

    @app.route(LOGIN)
    async def login(req: Any, ctx: Any) -> LoginResponse:
        return LoginResponse(ok="1" if (req.login_user_id, req.login_password)
                             == ("sc", "secret") else "0")

    @app.route(PATRON_STATUS)
    async def patron_status(req: Any, ctx: Any) -> PatronStatusResponse:
        known = req.patron_identifier == "P1"
        return PatronStatusResponse(
            patron_status=" " * 14 if known else "Y" * 4 + " " * 10, language="000",
            transaction_date=ctx.now_18(), institution_id=req.institution_id,
            patron_identifier=req.patron_identifier,
            personal_name=name if known else "",
            valid_patron="Y" if known else "N",
            valid_patron_password=("Y" if req.patron_password == "1234" else "N")
            if req.patron_password else None,
            screen_message=("Xin chào",) if known else ("Unknown patron",))

    @app.route(CHECKOUT)
    async def checkout(req: Any, ctx: Any) -> CheckoutResponse:
        ok = req.patron_identifier == "P1" and req.item_identifier not in LOANS
        if ok:
            LOANS[req.item_identifier] = req.patron_identifier
        return CheckoutResponse(
            ok="1" if ok else "0", renewal_ok="N", magnetic_media="N",
            desensitize="Y" if ok else "N", transaction_date=ctx.now_18(),
            institution_id=req.institution_id, patron_identifier=req.patron_identifier,
            item_identifier=req.item_identifier, title_identifier=TITLE,
            due_date="20250401    235900" if ok else "", fee_type="01",
            screen_message=(("Đã mượn",) if ok else ("Không được mượn",)))

    @app.route(CHECKIN)
    async def checkin(req: Any, ctx: Any) -> CheckinResponse:
        was = LOANS.pop(req.item_identifier, None)
        return CheckinResponse(
            ok="1", resensitize="Y", magnetic_media="N", alert="N" if was else "Y",
            transaction_date=ctx.now_18(), institution_id=req.institution_id,
            item_identifier=req.item_identifier, permanent_location="Kho 1",
            title_identifier=TITLE, sort_bin="B2", patron_identifier=was)

    @app.route(ITEM_INFORMATION)
    async def item(req: Any, ctx: Any) -> ItemInformationResponse:
        return ItemInformationResponse(
            circulation_status="04" if req.item_identifier in LOANS else "03",
            security_marker="02", fee_type="01", transaction_date=ctx.now_18(),
            item_identifier=req.item_identifier, title_identifier=TITLE, owner="PYLIB",
            hold_queue_length="0")

    return app


@contextlib.asynccontextmanager
async def serving(app: SIP2Server) -> AsyncIterator[int]:
    """Run ``app`` in a task of its own (anyio's task group must be entered
    and left by the same task) and yield its port."""
    port: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    stop = asyncio.Event()

    async def run() -> None:
        async with app.start() as bound:
            port.set_result(bound)
            await stop.wait()

    task = asyncio.create_task(run())
    try:
        yield await port
    finally:
        stop.set()
        await task


@pytest.fixture
async def pysip2_port() -> AsyncIterator[int]:
    LOANS.clear()
    async with serving(_server()) as port:
        yield port


def _settings(port: int, **overrides: Any) -> Sip2Settings:
    values: dict[str, Any] = {
        "host": "127.0.0.1", "port": port, "login_user": "sc", "login_password": "secret",
        "institution": "PYLIB", "location": "DESK", "encoding": "utf-8", "timeout_s": 5,
        "keepalive_s": None, "dialect": "generic"}
    values.update(overrides)
    return Sip2Settings(**values)


async def test_login_and_sc_status_from_its_builtin_acs_status(pysip2_port: int) -> None:
    async with Sip2Client(_settings(pysip2_port)) as client:
        status = client.acs_status
        assert status is not None and status.online and status.institution_id == "PYLIB"
        assert status.library_name == "pysip2 library"
        assert status.supports("11") and status.supports("09") and not status.supports("15")
        assert status.timeout_s == 3.0 and status.retries == 3


async def test_patron_checkout_item_checkin(pysip2_port: int) -> None:
    async with Sip2Client(_settings(pysip2_port)) as client:
        patron = await client.patron_status("P1", "1234")
        assert patron.ok and patron.valid_patron_password
        assert patron.personal_name == "Nguyễn Văn A"
        assert patron.screen_message == ("Xin chào",)
        assert not (await client.patron_status("P9")).ok

        now = datetime.now()
        out = await client.checkout("P1", "B-1", nb_due_date=now + timedelta(days=14))
        assert out.ok and out.desensitize and out.due == datetime(2025, 4, 1, 23, 59)
        assert out.title_identifier == TITLE and out.screen_message == ("Đã mượn",)
        again = await client.checkout("P1", "B-1", nb_due_date=now)
        assert not again.ok and not again.desensitize

        item = await client.item_information("B-1")
        assert item.ok and item.circulation_status_name == "charged"
        assert item.hold_queue_length == 0 and item.owner == "PYLIB"

        back = await client.checkin("B-1")
        assert back.ok and back.route == "shelf" and back.sort_bin == "B2"
        assert back.patron_identifier == "P1" and back.permanent_location == "Kho 1"


async def test_an_unregistered_message_gets_pysip2s_refusal_as_a_result(
        pysip2_port: int) -> None:
    async with Sip2Client(_settings(pysip2_port)) as client:
        result = await client.renew("P1", "B-1", nb_due_date=datetime.now())
        assert not result.ok
        assert result.screen_message == ("COMMAND NOT SUPPORTED",)


async def test_a_blank_nb_due_date_is_refused_by_pysip2(pysip2_port: int) -> None:
    """pysip2 0.1.0 requires a date in checkout's nb due date, which SIP2
    allows to be blank: it closes the connection. We resend once, then say
    the ILS is unreachable rather than hang."""
    async with Sip2Client(_settings(pysip2_port)) as client:
        with pytest.raises(Sip2ConnectionError, match="twice"):
            await client.checkout("P1", "B-2")
        assert (await client.patron_status("P1")).ok


async def test_a_wrong_login_is_refused_and_the_connection_closed(pysip2_port: int) -> None:
    from drivers.sip2 import Sip2LoginError

    with pytest.raises(Sip2LoginError):
        await Sip2Client(_settings(pysip2_port, login_password="nope")).connect()


async def test_required_error_detection_without_checksums_is_bounded() -> None:
    async with serving(_server(error_detection="required")) as port:
        client = Sip2Client(_settings(port, error_detection=False, retries=2))
        with pytest.raises(Sip2ProtocolError, match="resend"):
            await client.connect()
        await client.close()
        async with Sip2Client(_settings(port, error_detection=True)) as client:
            assert (await client.patron_status("P1")).ok


async def test_a_code_page_850_server() -> None:
    async with serving(_server("LE CARRÉ, JOHN", encoding="cp850")) as port:
        async with Sip2Client(_settings(port, encoding="cp850")) as client:
            patron = await client.patron_status("P1")
            assert patron.ok and patron.personal_name == "LE CARRÉ, JOHN"
