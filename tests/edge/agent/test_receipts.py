"""What the agent sends again for want of a receipt: what the broker
evidently lost, not what is still queued for a busy centre."""

from __future__ import annotations

from pathlib import Path

from edge.agent.drain import Drainer
from edge.agent.receipts import Receipts
from edge.contract import events
from edge.contract.receipts import encode_receipt
from edge.mqtt.client import Message
from edge.store import open_store


class Clock:
    def __init__(self, now: float = 1_795_200_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def receipt(*seqs: int) -> Message:
    return Message("smartlib/v1/hn-tvtp/gate-01/receipt", encode_receipt(seqs), 1, False, 1)


async def test_a_busy_centre_is_waited_for_and_a_skipped_event_sent_again(
        tmp_path: Path) -> None:
    clock = Clock()
    with open_store(tmp_path / "d.db", clock=clock) as store:
        outbox = store.outbox
        seqs = [outbox.append(events.checkout(item=f"3{i}", due="2026-12-05")).seq
                for i in range(6)]
        drainer = Drainer(outbox, site="hn-tvtp", device="gate-01", prefix="smartlib/v1",
                          window=10, batch=10)
        receipts = Receipts(outbox, drainer, store.validator, 3.0, clock)
        outbox.record_delivery(acked=seqs[:3])  # the broker has 0-2 ...
        clock.now += 1
        outbox.record_delivery(acked=seqs[3:])  # ... and, a second later, 3-5
        clock.now += 2.5
        await receipts.handle(receipt(seqs[0]))  # the centre is working through its queue
        clock.now += 2.5
        # 1-5 are overdue, but the centre receipts as it goes and has not
        # reached them: they wait (sending them again would double its work).
        assert receipts.cutoff_ms() is not None
        assert outbox.requeue_unconfirmed(receipts.cutoff_ms() or 0) == 0
        # The centre receipts 4, acknowledged after 1 and 2: the broker
        # skipped 1 and 2 (lost over a restart); 3, acknowledged with 4, and 5
        # may still come.
        await receipts.handle(receipt(seqs[4]))
        assert outbox.requeue_unconfirmed(receipts.cutoff_ms() or 0) == 2
        assert [p.seq for p in outbox.pending()] == seqs[1:3]
        # No receipt for the whole timeout: whatever is overdue goes again.
        clock.now += 3.0
        assert outbox.requeue_unconfirmed(receipts.cutoff_ms() or 0) == 2
        assert [p.seq for p in outbox.pending()] == [seqs[1], seqs[2], seqs[3], seqs[5]]


async def test_a_fresh_agent_gives_the_centre_its_timeout_before_sending_again(
        tmp_path: Path) -> None:
    clock = Clock()
    with open_store(tmp_path / "d.db", clock=clock) as store:
        outbox = store.outbox
        seq = outbox.append(events.checkout(item="31", due="2026-12-05")).seq
        outbox.record_delivery(acked=[seq])
        clock.now += 60  # acknowledged long before this agent started
        drainer = Drainer(outbox, site="hn-tvtp", device="gate-01", prefix="smartlib/v1",
                          window=10, batch=10)
        receipts = Receipts(outbox, drainer, store.validator, 3.0, clock)
        assert receipts.cutoff_ms() is None
        clock.now += 3.0
        assert outbox.requeue_unconfirmed(receipts.cutoff_ms() or 0) == 1
