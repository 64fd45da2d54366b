"""One SC connection to the demo ILS: an asyncio protocol.

Requests are handled in arrival order (pipelined ones queue). What needs no
database (SC status, login, resends, most faults) is answered inside
``data_received``; the rest runs as a task (the catalogue is on its own
thread), and the queue waits for it.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from drivers.sip2.codec import Framer, decode, encode
from drivers.sip2.errors import Sip2ChecksumError, Sip2Error
from drivers.sip2.messages import Message

if TYPE_CHECKING:
    from .server import DemoIls

log = logging.getLogger(__name__)

#: 96 (request SC resend), with its checksum.
RESEND = b"96AZFEF6\r"
GARBAGE = b"\x00\xff~~noise~~\xfe"


class AcsConnection(asyncio.Protocol):
    def __init__(self, ils: DemoIls) -> None:
        self.ils = ils
        self.framer = Framer()
        self.pending: collections.deque[bytes] = collections.deque()
        self.transport: asyncio.Transport | None = None
        self.logged_in = False
        self.last_answer: bytes | None = None
        self.task: asyncio.Task[None] | None = None
        self._idle: asyncio.TimerHandle | None = None

    # -- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.ils.sessions.add(self)
        self._arm_idle_timer()

    def data_received(self, data: bytes) -> None:
        self._arm_idle_timer()
        self.pending.extend(self.framer.feed(data))
        self._pump()

    def connection_lost(self, exc: Exception | None) -> None:
        self.ils.sessions.discard(self)
        self.transport = None
        if self._idle is not None:
            self._idle.cancel()
        if self.task is not None:
            self.task.cancel()

    # -- handling
    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def _arm_idle_timer(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        idle = self.ils.faults.drop_idle_s
        if idle is not None and self.transport is not None:
            self._idle = asyncio.get_running_loop().call_later(idle, self._idle_out)

    def _idle_out(self) -> None:
        log.info("closing an idle connection")
        self.close()

    def _pump(self) -> None:
        while self.pending and self.task is None and self.transport is not None:
            outcome = self._step(self.pending.popleft())
            if outcome is False:
                self.close()
            elif outcome is not True:
                self.task = asyncio.create_task(self._finish(outcome))

    async def _finish(self, work: Coroutine[Any, Any, bool]) -> None:
        try:
            keep = await work
        except asyncio.CancelledError:
            log.debug("request abandoned: the connection ended")
            return
        self.task = None
        if not keep:
            self.close()
        else:
            self._pump()

    def _step(self, frame: bytes) -> bool | Coroutine[Any, Any, bool]:
        """Handle one request: True (done), False (close the connection), or
        work to await (database, slow answers)."""
        ils, faults = self.ils, self.ils.faults
        try:
            request = decode(frame, encoding=ils.encoding, errors="replace")
        except Sip2ChecksumError:
            self.write(RESEND)
            return True
        except Sip2Error as exc:
            log.info("undecodable request (%s): asking for a resend", exc)
            self.write(RESEND)
            return True
        ils.requests.append(request)
        if request.code == "97":
            self.write(self.last_answer or RESEND)
            return True
        if request.code not in ils.handled:
            log.info("request %s is not one the ACS answers", request.code)
            return True
        if faults.take("drop_next"):
            return False
        if faults.take("silent_next"):
            return True
        if faults.take("resend_next"):
            self.write(RESEND)
            return True
        if request.code == "93":
            ok = ils.login_ok(request)
            self.logged_in = self.logged_in or ok
            answer = Message("94", {"ok": ok})
            keep = ok or ils.accounts is None
        elif ils.accounts is not None and not self.logged_in and request.code != "99":
            log.info("request %s before login: closing", request.code)
            return False
        elif request.code == "99":
            answer, keep = ils.acs_status(), True
        else:
            return self._slow(request, None)
        if faults.delay_s or faults.split_writes:
            return self._slow(request, answer, keep)
        self.write_all(self.answer_frames(answer, request))
        return keep

    async def _slow(self, request: Message, answer: Message | None,
                    keep: bool = True) -> bool:
        if answer is None:
            answer = await self.ils.handle(request)
        if self.ils.faults.delay_s:
            await asyncio.sleep(self.ils.faults.delay_s)
        frames = self.answer_frames(answer, request)
        if self.ils.faults.split_writes:
            for frame in frames:
                for i in range(0, len(frame), 3):
                    self.write(frame[i:i + 3])
                    await asyncio.sleep(0)
        else:
            self.write_all(frames)
        return keep

    def answer_frames(self, answer: Message, request: Message) -> list[bytes]:
        """The frames that carry ``answer``, faults applied; remembers the
        correct frame for 97."""
        faults = self.ils.faults
        checked = request.checksum is not None
        if faults.extra_fields:
            answer = Message(answer.code, answer.fixed, answer.fields + faults.extra_fields)
        terminator = b"\r\n" if faults.crlf else b"\r"
        sequence = request.sequence
        if faults.wrong_sequence and sequence is not None:
            sequence = (sequence + 3) % 10
        frame = encode(answer, encoding=self.ils.encoding, error_detection=checked,
                       sequence=sequence, terminator=terminator)
        if faults.take("oversize_next"):
            return [b"AF" + b"x" * 200_000 + terminator]
        frames = []
        if faults.take("stale_next") and self.last_answer is not None:
            frames.append(self.last_answer)
        if faults.take("garbage_next"):
            frames.append(GARBAGE + terminator)
        self.last_answer = frame
        if checked and faults.take("corrupt_checksum_next"):
            end = len(frame) - len(terminator)
            digit = b"1" if frame[end - 1:end] == b"0" else b"0"
            frame = frame[:end - 1] + digit + terminator
        frames.append(frame)
        return frames

    def write(self, data: bytes) -> None:
        if self.transport is not None:
            self.transport.write(data)

    def write_all(self, frames: list[bytes]) -> None:
        if self.transport is not None:
            self.transport.write(b"".join(frames))
