"""Fixtures of the provisioning tests: one staged converge of the example
inventory per test session (the tests that use it share one xdist group, so
one worker runs it), and the second run and the check-mode run made from it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.deploy.stage import Run, Stage
from tests.peers.postgres import PostgresServer, postgres_server  # noqa: F401


@dataclass
class Staged:
    stage: Stage
    pki: Run
    converge: Run


@pytest.fixture(scope="session")
def staged(tmp_path_factory: pytest.TempPathFactory,
           postgres_server: PostgresServer) -> Iterator[Staged]:  # noqa: F811
    stage = Stage(tmp_path_factory.mktemp("provisioning"), postgres_server)
    stage.prepare()
    pki = stage.playbook("pki.yml")
    assert pki.code == 0, pki.explain()
    # A key kept vaulted on the controller: the copy task must decrypt it.
    stage.vault("encrypt", stage.pki / "hn-tvtp.kiosk-01.key")
    # Verbose, with diffs: the most a run ever shows (no secret may be in it).
    converge = stage.playbook("site.yml", "-v", "--diff")
    assert converge.code == 0, converge.explain()
    yield Staged(stage, pki, converge)


@pytest.fixture(scope="session")
def second_run(staged: Staged) -> Run:
    """site.yml again over the broker and relay host and a kiosk: together
    they run every role's tasks (a gate's and a book drop's differ only in
    their unit's name)."""
    return staged.stage.playbook("site.yml", "--limit", "relay-01,kiosk-01")


@pytest.fixture(scope="session")
def blank_check(staged: Staged) -> Run:
    """``--check --diff`` on a blank host (a fresh staging root): the broker
    and relay host, whose tasks read state (password file, database) before
    they act; the devices' tasks are the common ones it runs too."""
    staged.stage.skeleton("blank")
    return staged.stage.playbook("site.yml", "--check", "--diff", "--limit", "relay-01",
                                 stage="blank")
