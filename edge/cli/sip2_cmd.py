"""``smartlib sip2``: talk to the ILS as the kiosk would, to diagnose a
connection (IT staff), and decode a SIP2 message offline."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from edge.cli.common import add_json, fail, print_json
from edge.errors import ExitCode
from edge.i18n import _

if TYPE_CHECKING:
    from drivers.sip2 import Sip2Client, Sip2Settings
    from edge.cli.common import SubParsers

DIALECTS = ("generic", "koha", "evergreen", "folio", "sierra", "symphony")
ENCODINGS = ("utf-8", "cp850", "latin-1", "ascii")


def register(sub: SubParsers) -> None:
    parser = sub.add_parser(
        "sip2", help=_("talk to the ILS over SIP2 to diagnose a connection"),
        description=_("Send one SIP2 request to the library system and show its answer, as "
                      "a kiosk would; or decode a SIP2 message offline. Connection options "
                      "come from --config's [ils] section, then from the options below. "
                      "Exit code 1 when the ILS refuses, 3 when it cannot be reached."))
    parser.add_argument("--config", metavar=_("FILE"),
                        help=_("a device configuration whose [ils] section to use"))
    parser.add_argument("--host", help=_("the ILS's SIP2 host"))
    parser.add_argument("--port", type=int, help=_("its SIP2 port (default 6001)"))
    parser.add_argument("--tls", action="store_true", default=None,
                        help=_("use TLS (certificates are verified)"))
    parser.add_argument("--ca-file", metavar=_("FILE"),
                        help=_("CA certificate(s) to verify the ILS with"))
    parser.add_argument("--user", help=_("SIP2 login user (CN)"))
    parser.add_argument("--password-env", metavar=_("VAR"),
                        help=_("environment variable holding the SIP2 password (default: "
                               "SMARTLIB_SIP2_PASSWORD)"))
    parser.add_argument("--location", help=_("location code (CP, AP)"))
    parser.add_argument("--institution", help=_("institution id (AO)"))
    parser.add_argument("--encoding", choices=ENCODINGS,
                        help=_("character set (default: the dialect's)"))
    parser.add_argument("--dialect", choices=DIALECTS, help=_("the ILS's SIP2 dialect"))
    parser.add_argument("--timeout", type=float, metavar=_("SECONDS"),
                        help=_("how long to wait for each answer"))
    parser.add_argument("--trace", action="store_true",
                        help=_("print every frame sent and received on stderr "
                               "(passwords and PINs masked)"))
    add_json(parser)
    actions = parser.add_subparsers(dest="action", metavar=_("COMMAND"), required=True)

    def action(name: str, text: str) -> argparse.ArgumentParser:
        child = actions.add_parser(name, help=text, description=text)
        child.add_argument("--json", action="store_true", dest="json_here",
                           help=_("print the result as JSON on stdout"))
        child.set_defaults(handler=_run, action=name)
        return child

    action("status", _("ask SC status: is the ILS on line, what does it allow"))
    action("login", _("log in with the SIP2 user and password"))
    patron = action("patron", _("patron information for a patron barcode"))
    patron.add_argument("patron", metavar=_("BARCODE"))
    patron.add_argument("--pin", help=_("the patron's PIN, to check it"))
    item = action("item", _("item information for an item barcode"))
    item.add_argument("item", metavar=_("BARCODE"))
    checkout = action("checkout", _("lend an item to a patron"))
    checkout.add_argument("patron", metavar=_("PATRON"))
    checkout.add_argument("item", metavar=_("ITEM"))
    checkin = action("checkin", _("return an item"))
    checkin.add_argument("item", metavar=_("ITEM"))
    renew = action("renew", _("renew a patron's loan of an item"))
    renew.add_argument("patron", metavar=_("PATRON"))
    renew.add_argument("item", metavar=_("ITEM"))
    raw = action("raw", _("send a message as typed (sequence and checksum added) and show "
                          "the answer"))
    raw.add_argument("message", metavar=_("MESSAGE"))
    decode = action("decode", _("decode one message offline and verify its checksum"))
    decode.add_argument("message", metavar=_("MESSAGE"))


def _settings(args: argparse.Namespace) -> Sip2Settings:
    from dataclasses import replace

    from drivers.sip2 import Sip2Settings

    base: Sip2Settings | None = None
    if args.config:
        from edge.config import load
        from edge.ils import sip2_settings

        loaded = load(args.config)
        ils = getattr(loaded.device, "ils", None)
        if ils is not None:
            base = sip2_settings(ils, loaded.secrets)
    if base is None and not args.host:
        raise _Usage(_("give --host (or --config with an [ils] section)"))
    password = os.environ.get(args.password_env or "SMARTLIB_SIP2_PASSWORD")
    if args.password_env and password is None:
        raise _Usage(_("the environment variable {var} is not set").format(
            var=args.password_env))
    overrides: dict[str, Any] = {
        "host": args.host, "port": args.port, "tls": args.tls, "ca_file": args.ca_file,
        "login_user": args.user, "location": args.location, "institution": args.institution,
        "encoding": args.encoding, "dialect": args.dialect, "timeout_s": args.timeout,
    }
    if password is not None and (args.password_env or base is None
                                 or base.login_password is None):
        overrides["login_password"] = password
    values = {k: v for k, v in overrides.items() if v is not None}
    values.update(keepalive_s=None, sc_status_on_connect=args.action == "status")
    try:
        return replace(base, **values) if base else Sip2Settings(**values)
    except ValueError as exc:
        raise _Usage(str(exc)) from None


class _Usage(Exception):
    """Bad input on the command line."""


def _masked(frame: bytes, encoding: str) -> str:
    text = frame.decode(encoding, "replace").rstrip("\r\n")
    parts = text.split("|")
    for i, part in enumerate(parts):
        if i and part[:2] in ("CO", "AD") and part[2:]:
            parts[i] = part[:2] + "***"
    return "|".join(parts)


def _tracer(encoding: str) -> Any:
    def trace(direction: str, frame: bytes) -> None:
        arrow = "->" if direction == "send" else "<-"
        sys.stderr.write(f"{arrow} {_masked(frame, encoding)}\n")
    return trace


def _show(data: dict[str, Any], ok: bool | None, as_json: bool) -> None:
    if as_json:
        print_json(data)
        return
    if ok is not None:
        print(_("ILS answer: accepted") if ok else _("ILS answer: refused"))
    for key, value in data.items():
        if value in ("", None, [], ()) or key in ("ok", "type"):
            continue
        if isinstance(value, list | tuple):
            value = "; ".join(str(v) if not isinstance(v, list | tuple) else "=".join(v)
                              for v in value)
        print(f"  {key}: {value}")


def _decode(args: argparse.Namespace) -> int:
    from drivers.sip2 import Sip2ProtocolError, checksum
    from drivers.sip2.codec import decode
    from drivers.sip2.folding import codec_name

    encoding = codec_name(args.encoding or "utf-8")
    frame = args.message.rstrip("\r\n").encode(encoding, "replace")
    try:
        message = decode(frame, encoding=encoding, verify=False)
    except Sip2ProtocolError as exc:
        return fail(_("not a SIP2 message: {reason}").format(reason=exc), ExitCode.USAGE)
    checksum_ok = None
    if message.checksum is not None:
        checksum_ok = checksum.verify(frame) or checksum.verify_characters(frame, encoding)
    data = {**message.named(), "checksum_ok": checksum_ok}
    if args.json:
        print_json(data)
    else:
        for key, value in data.items():
            print(f"{key}: {value}")
    return int(ExitCode.OK if checksum_ok is not False else ExitCode.FAILED)


async def _run(args: argparse.Namespace) -> int:
    args.json = args.json or args.json_here
    if args.action == "decode":
        return _decode(args)
    from drivers.sip2 import (
        Sip2Client,
        Sip2ConnectionError,
        Sip2Error,
        Sip2LoginError,
        Sip2Result,
    )

    try:
        settings = _settings(args)
    except _Usage as exc:
        return fail(str(exc), ExitCode.USAGE)
    if args.action == "login" and settings.login_user is None:
        return fail(_("give --user (or login_user in the configuration)"), ExitCode.USAGE)
    trace = _tracer(settings.resolved_encoding) if args.trace else None
    client = Sip2Client(settings, trace=trace)
    try:
        async with client:
            result = await _action(client, args)
    except Sip2LoginError as exc:
        return fail(_("the ILS refused the login: {reason}").format(reason=exc),
                    ExitCode.FAILED)
    except Sip2ConnectionError as exc:
        return fail(_("the ILS cannot be reached: {reason}").format(reason=exc),
                    ExitCode.UNAVAILABLE)
    except Sip2Error as exc:
        return fail(_("the ILS's answer broke SIP2: {reason}").format(reason=exc),
                    ExitCode.FAILED)
    if isinstance(result, Sip2Result):
        _show({"type": type(result).__name__, **result.named()}, result.ok, args.json)
        return int(ExitCode.OK if result.ok else ExitCode.FAILED)
    _show(result, None, args.json)
    return int(ExitCode.OK)


async def _action(client: Sip2Client, args: argparse.Namespace) -> Any:
    action = args.action
    if action == "status":
        return client.acs_status or await client.sc_status()
    if action == "login":
        return {"login": "ok", "user": client.settings.login_user}
    if action == "patron":
        return await client.patron_information(args.patron, args.pin)
    if action == "item":
        return await client.item_information(args.item)
    if action == "checkout":
        return await client.checkout(args.patron, args.item)
    if action == "checkin":
        return await client.checkin(args.item)
    if action == "renew":
        return await client.renew(args.patron, args.item)
    message = await client.raw(args.message)
    return message.named()
