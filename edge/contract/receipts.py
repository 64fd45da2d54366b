"""Receipts (contract version 1): the relay tells a device which of its
events the centre has stored, so the device can send again any that a
broker acknowledged but never delivered (a broker that crashed, or lost a
subscription over a restart).

Published by the relay on ``.../receipt`` (QoS 1) after each stored batch:
``{"v": 1, "ranges": [{"first": 120, "last": 619}, ...]}``, runs of
consecutive outbox sequence numbers, events stored now or earlier
(duplicates are receipted too). Pure.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from .envelope import PayloadError, decode_json_object

RECEIPT_VERSION = 1
MAX_RECEIPT_BYTES = 256 * 1024


def runs(seqs: Iterable[int]) -> list[tuple[int, int]]:
    """Sequence numbers as (first, last) runs of consecutive numbers."""
    out: list[tuple[int, int]] = []
    for seq in sorted(set(seqs)):
        if out and seq == out[-1][1] + 1:
            out[-1] = (out[-1][0], seq)
        else:
            out.append((seq, seq))
    return out


def encode_receipt(seqs: Iterable[int]) -> bytes:
    ranges = [{"first": a, "last": b} for a, b in runs(seqs)]
    return json.dumps({"v": RECEIPT_VERSION, "ranges": ranges},
                      separators=(",", ":")).encode("utf-8")


def decode_receipt(data: bytes) -> tuple[dict[str, Any], list[tuple[int, int]]]:
    """The receipt's object (for its schema check) and its ranges."""
    obj = decode_json_object(data, MAX_RECEIPT_BYTES)
    ranges = obj.get("ranges")
    out: list[tuple[int, int]] = []
    if isinstance(ranges, list):
        for i, item in enumerate(ranges):
            if not isinstance(item, dict):
                raise PayloadError("invalid", f"/ranges/{i}", "not an object")
            first, last = item.get("first"), item.get("last")
            if not isinstance(first, int) or not isinstance(last, int) or last < first:
                raise PayloadError("invalid", f"/ranges/{i}", "want first <= last, integers")
            out.append((first, last))
    return obj, out
