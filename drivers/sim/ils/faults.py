"""Faults the demo ILS can be told to commit, at start or at run time, so
tests (and staff rehearsing) see what real servers do: drop idle
connections, corrupt checksums, answer slowly or not at all, ask for
resends, send garbage, split or pipeline frames, end lines with CRLF, add
vendor fields, send oversized messages."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass
class Faults:
    #: Wait this long before each answer.
    delay_s: float = 0.0
    #: Close a connection that sends nothing for this long (None: never).
    drop_idle_s: float | None = None
    #: Close the connection on the next N requests instead of handling them.
    drop_next: int = 0
    #: Do not answer the next N requests at all.
    silent_next: int = 0
    #: Answer the next N requests with 96 (request SC resend).
    resend_next: int = 0
    #: Send the next N answers with a wrong checksum.
    corrupt_checksum_next: int = 0
    #: Send a line of garbage bytes before the next N answers.
    garbage_next: int = 0
    #: Send the previous answer again before the next N answers.
    stale_next: int = 0
    #: Send an oversized message instead of the next N answers.
    oversize_next: int = 0
    #: Write answers a few bytes at a time.
    split_writes: bool = False
    #: End answers with CR LF (as Koha does by default) instead of CR.
    crlf: bool = False
    #: Answer with a sequence number (AY) other than the request's.
    wrong_sequence: bool = False
    #: Vendor fields added to every answer, e.g. (("ZZ", "vendor"),).
    extra_fields: tuple[tuple[str, str], ...] = ()

    def take(self, name: str) -> bool:
        """Use up one of the ``name`` counter faults; True if there was one."""
        left = getattr(self, name)
        if left > 0:
            setattr(self, name, left - 1)
            return True
        return False

    def clear(self) -> None:
        for f in fields(self):
            setattr(self, f.name, f.default)


#: ``--fault`` words of ``smartlib ils-sim`` -> (attribute, type).
CLI_FAULTS: dict[str, tuple[str, type]] = {
    "delay": ("delay_s", float), "drop-idle": ("drop_idle_s", float),
    "drop-next": ("drop_next", int), "silent-next": ("silent_next", int),
    "resend-next": ("resend_next", int), "corrupt-next": ("corrupt_checksum_next", int),
    "garbage-next": ("garbage_next", int), "stale-next": ("stale_next", int),
    "oversize-next": ("oversize_next", int), "split": ("split_writes", bool),
    "crlf": ("crlf", bool), "wrong-sequence": ("wrong_sequence", bool),
    "vendor-field": ("extra_fields", tuple),
}


def parse_fault(text: str, faults: Faults) -> None:
    """Apply one ``--fault`` (``delay=2.5``, ``crlf``, ``vendor-field=ZZ:x``)."""
    name, _, value = text.partition("=")
    if name not in CLI_FAULTS:
        raise ValueError(f"unknown fault {name!r}; known: {', '.join(CLI_FAULTS)}")
    attribute, kind = CLI_FAULTS[name]
    if kind is bool:
        if value not in ("", "1", "yes", "true", "0", "no", "false"):
            raise ValueError(f"fault {name} takes no value or yes/no")
        setattr(faults, attribute, value in ("", "1", "yes", "true"))
    elif kind is tuple:
        fid, sep, content = value.partition(":")
        if len(fid) != 2 or not sep or "|" in content:
            raise ValueError(f"fault {name} takes ID:value, e.g. ZZ:vendor")
        faults.extra_fields = (*faults.extra_fields, (fid, content))
    else:
        try:
            number = kind(value)
        except ValueError:
            raise ValueError(f"fault {name} takes a number, e.g. {name}=2") from None
        if number < 0:
            raise ValueError(f"fault {name} must not be negative")
        setattr(faults, attribute, number)
