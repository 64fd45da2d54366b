"""Errors of the device's local store."""

from __future__ import annotations

from edge.errors import EdgeError, ExitCode


class StoreError(EdgeError):
    """Root of the store's errors: the database cannot be opened, is from a
    newer software version, or a migration failed."""

    exit_code = ExitCode.FAILED

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(f"{path}: {message}")


class SchemaMismatchError(StoreError):
    """The database's schema revision is not the one this software expects."""

    def __init__(self, path: str, found: str | None, expected: str) -> None:
        self.found = found
        self.expected = expected
        super().__init__(path, f"schema revision {found or 'none'}, this software needs "
                               f"{expected}; run: smartlib store upgrade --config FILE")
