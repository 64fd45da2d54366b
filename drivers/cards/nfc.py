from __future__ import annotations


def from_url(url: object) -> object:
    raise NotImplementedError
