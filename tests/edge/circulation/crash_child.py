"""The process the crash tests kill: a kiosk's circulation service that
checks out (or returns) what is on the pad and SIGKILLs itself at one
durable step of the transaction (the ``checkpoint`` hook).

    python -m tests.edge.circulation.crash_child CONFIG OPERATION STEP N ITEMS...

OPERATION is checkout or checkin; the process dies the N-th time STEP is
reached (it exits 0 if it never is); ITEMS are the tag UIDs it waits for.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from edge.circulation.factory import service_from_config
from edge.circulation.model import CardUid, StackChanged
from edge.config.loader import load


def main() -> None:
    config, operation, step, nth, *uids = sys.argv[1:]
    counter = {"n": 0}

    def checkpoint(name: str) -> None:
        if name == step:
            counter["n"] += 1
            if counter["n"] == int(nth):
                os.kill(os.getpid(), signal.SIGKILL)

    async def run() -> None:
        service = service_from_config(load(config), checkpoint=checkpoint)
        async with service:
            async for event in service.events():  # wait until the stack is read
                if isinstance(event, StackChanged) and {
                        t.uid for t in event.stack.tags if t.read} == set(uids):
                    break
            if operation == "checkout":
                found = await service.identify(CardUid(bytes.fromhex("04A1B2C3D4E5F6")))
                assert found.patron is not None
                await service.checkout(found.patron)
            else:
                await service.checkin()

    asyncio.run(run())


if __name__ == "__main__":
    main()
