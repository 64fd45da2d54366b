"""site.yml applied for real to the example inventory, every host in a
staging root on this machine (tests/deploy/stage.py), then: what each host
has (file_checks), what the broker accepts (broker_checks), a second run
that changes nothing, check mode on a blank host, backup.yml, backups and
restores, and no secret in any output.

One test with subtests rather than many tests sharing a fixture: the runs
are the expensive part (ansible-core pays about a third of a second of CPU
per module call), and one test keeps them on one pytest-xdist worker. The
later runs (second run, check mode, backup.yml) are independent of each
other and of the read-only checks, so they run at the same time. Each step
and check is a subtest named after what it checks; a failed set-up step
(certificates, first run) says which one it was.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.deploy import broker_checks, file_checks
from tests.deploy.stage import HOSTS, Run, Stage, Staged
from tests.peers.postgres import PostgresServer, postgres_server  # noqa: F401

SubTests = pytest.Subtests


def _each(subtests: SubTests, staged: Staged, checks: list[Callable[..., None]],
          *args: object) -> None:
    for check in checks:
        label = check.__name__.removeprefix("check_").replace("_", " ")
        hosts = [a for a in args if isinstance(a, str)]
        if hosts:
            label += f" [{', '.join(hosts)}]"
        with subtests.test(msg=label):
            check(staged, *args)


def check_second_run_changes_nothing(staged: Staged, run: Run) -> None:
    assert run.code == 0, run.explain()
    assert run.changed() == []
    assert set(run.data["stats"]) == {"relay-01"}


def check_check_mode_on_a_blank_host_works_and_writes_nothing(staged: Staged, run: Run) -> None:
    assert run.code == 0, run.explain()
    assert run.changed(), "check mode on a blank host should predict changes"
    written = [p for p in staged.stage.host_root("relay-01", "blank").rglob("*") if p.is_file()]
    assert written == []


def check_no_secret_shows_in_ansible_output(staged: Staged) -> None:
    runs = [staged.pki, staged.converge, *staged.later]
    for host, values in staged.stage.secrets.items():
        for name, secret in values.items():
            for run in runs:
                assert secret not in run.stdout + run.stderr, (
                    f"{host}'s {name} shows in the output of {' '.join(run.args)}")


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_site_yml_provisions_a_library(tmp_path_factory: pytest.TempPathFactory,
                                       postgres_server: PostgresServer,  # noqa: F811
                                       subtests: SubTests) -> None:
    stage = Stage(Path(tmp_path_factory.mktemp("provisioning")), postgres_server)
    staged = stage.provision()
    stage.skeleton("blank")

    with ThreadPoolExecutor(max_workers=3) as pool:
        # The same run again over the broker and relay host: it runs common
        # (with a key vaulted on the controller), broker, relay, backup and
        # the unit installer the device roles use (they add only plain
        # copies of shipped files); --check --diff on a blank host:
        # the broker and relay host, whose tasks read state (password file,
        # database) before they act; backup.yml on the gate. None of them
        # writes what the checks below read.
        second = pool.submit(stage.playbook, "site.yml", "--limit", "relay-01")
        blank = pool.submit(stage.playbook, "site.yml", "--check", "--diff", "--limit",
                            "relay-01", stage="blank")
        backup = pool.submit(file_checks.run_backup_playbook, stage)

        _each(subtests, staged, [
            file_checks.check_every_host_is_provisioned,
            file_checks.check_a_vaulted_key_on_the_controller_lands_decrypted,
            file_checks.check_extras_follow_the_role_and_a_gate_gets_no_kivy,
            file_checks.check_broker_acl_confines_each_device_to_its_prefix,
            file_checks.check_password_file_has_one_hashed_entry_per_account,
            file_checks.check_relay_reaches_its_postgresql_with_the_vaulted_password,
        ])
        for host in HOSTS:
            _each(subtests, staged, [
                file_checks.check_configuration_passes_smartlib_config_check,
                file_checks.check_secrets_file_is_private_and_holds_the_vaulted_values,
                file_checks.check_units_are_the_shipped_ones_and_pass_systemd_analyze_verify,
            ], host)
        with broker_checks.running_broker(staged) as port:
            _each(subtests, staged, [
                broker_checks.check_devices_reach_the_relay_only_under_their_own_prefix,
                broker_checks.check_a_wrong_password_is_refused,
            ], port)

        staged.later += [second.result(), blank.result(), backup.result()]
    _each(subtests, staged, [check_second_run_changes_nothing], staged.later[0])
    _each(subtests, staged, [check_check_mode_on_a_blank_host_works_and_writes_nothing],
          staged.later[1])
    _each(subtests, staged, [
        file_checks.check_backup_playbook_fetches_a_fresh_backup_to_the_controller,
    ], staged.later[2])

    # These write to the hosts (a restored store, a restored database): last.
    _each(subtests, staged, [
        file_checks.check_backup_and_restore_of_a_device_store,
        file_checks.check_backup_and_restore_of_the_relay_database,
        check_no_secret_shows_in_ansible_output,
    ])
