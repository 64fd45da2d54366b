"""Configuration: every role's example is valid; every kind of bad file is
refused with exit code 2 and a message naming the file, the line and the key."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.config import load
from edge.config.examples import EXAMPLES, render
from edge.config.tomlpos import key_lines
from edge.errors import ConfigError
from edge.i18n import activate
from tests.conftest import CliResult

ROLES = ("kiosk", "gate", "bookdrop", "central")


@pytest.fixture(autouse=True)
def english() -> None:
    activate("en")


def write(tmp_path: Path, text: str, name: str = "device.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_example_is_valid(tmp_path: Path, role: str, language: str) -> None:
    activate(language)
    loaded = load(write(tmp_path, render(role)), environ={})
    assert loaded.device.role == role
    assert loaded.device.library.isil == "VN-TVTPHN"
    assert loaded.device.language == "vi"


def test_secrets_example_is_valid(tmp_path: Path) -> None:
    secrets = write(tmp_path, render("secrets"), "secrets.toml")
    secrets.chmod(0o600)
    config = write(tmp_path, render("kiosk").replace(
        '# secrets_file = "/etc/smartlib/secrets.toml"', 'secrets_file = "secrets.toml"'))
    loaded = load(config, environ={})
    assert loaded.secrets.sip2_password is not None
    assert loaded.secrets.sip2_password.get_secret_value() == "change-me"
    # Secrets never show in a dump or repr of the configuration.
    assert "change-me" not in repr(loaded)


def problems_of(path: Path) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as info:
        load(path, environ={})
    return info.value.problems


def test_value_out_of_range_names_line_and_key(tmp_path: Path) -> None:
    text = render("kiosk").replace("port = 6001", "port = 70000")
    line = text.splitlines().index("port = 70000") + 1
    path = write(tmp_path, text)
    assert problems_of(path) == [
        (f"{path}:{line}: ils.port", "must be at most 65535 (got 70000)")]


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    text = (render("kiosk")
            .replace('dialect = "koha"', 'dialect = "kohaa"')
            .replace("idle_timeout_s", "idle_timout_s")
            .replace("afi_on_loan = 0xC2", "afi_on_loan = 300"))
    found = dict(problems_of(write(tmp_path, text)))
    by_key = {where.split(": ", 1)[1]: what for where, what in found.items()}
    assert "must be one of" in by_key["ils.dialect"] and "'kohaa'" in by_key["ils.dialect"]
    assert by_key["kiosk.idle_timout_s"] == "unknown key; did you mean 'idle_timeout_s'?"
    assert by_key["tags.afi_on_loan"] == "must be at most 255 (got 300)"


def test_missing_required_section(tmp_path: Path) -> None:
    text = render("kiosk").replace("[reader]", "[unused]")
    found = problems_of(write(tmp_path, text))
    keys = [where.split(": ", 1)[1] for where, _ in found]
    assert "reader" in keys and "unused" in keys


def test_missing_and_unknown_role(tmp_path: Path) -> None:
    [(where, what)] = problems_of(write(tmp_path, 'site = "x"\n'))
    assert where.endswith(":1: role") and "kiosk, gate, bookdrop, central" in what
    [(where, what)] = problems_of(write(tmp_path, 'site = "x"\nrole = "printer"\n'))
    assert where.endswith(":2: role") and "'printer'" in what


def test_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'role = "kiosk"\nsite = "a"\ndevice = [\n\n')
    [(where, what)] = problems_of(path)
    assert where == f"{path}:5"
    assert what.startswith("not valid TOML")
    path = write(tmp_path, 'role = "kiosk"\nsite = = "a"\n')
    [(where, _what)] = problems_of(path)
    assert where == f"{path}:2"


def test_not_utf8_names_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'role = "kiosk"\nname = "Th\xfd vi\xean"\n')  # a legacy 8-bit file
    [(where, what)] = problems_of(path)
    assert where == f"{path}:2" and "not UTF-8" in what and "byte 25" in what


def test_missing_file(tmp_path: Path) -> None:
    [(where, what)] = problems_of(tmp_path / "nope.toml")
    assert where == str(tmp_path / "nope.toml") and "No such file" in what


@pytest.mark.parametrize(("section", "key", "env"), [
    ("ils", "password", "SMARTLIB_SIP2_PASSWORD"),
    ("mqtt", "password", "SMARTLIB_MQTT_PASSWORD"),
    ("mqtt", "username", "SMARTLIB_MQTT_USERNAME"),
    ("kiosk", "staff_pin", "SMARTLIB_STAFF_PIN"),
])
def test_secrets_in_main_file_are_refused(
        tmp_path: Path, section: str, key: str, env: str) -> None:
    text = render("kiosk").replace(f"[{section}]\n", f'[{section}]\n{key} = "hunter2"\n')
    found = problems_of(write(tmp_path, text))
    [(where, what)] = found  # reported once, not again as an unknown key
    assert where.endswith(f": {section}.{key}")
    assert env in what
    assert "hunter2" not in what


def test_secrets_file_must_be_private(tmp_path: Path) -> None:
    secrets = write(tmp_path, 'sip2_password = "x"\n', "secrets.toml")
    secrets.chmod(0o644)
    config = write(tmp_path, render("gate").replace(
        '# secrets_file = "/etc/smartlib/secrets.toml"', 'secrets_file = "secrets.toml"'))
    [(where, what)] = problems_of(config)
    assert where == str(secrets) and "chmod 600" in what


def test_secrets_file_unknown_key_and_missing_file(tmp_path: Path) -> None:
    config = write(tmp_path, render("gate").replace(
        '# secrets_file = "/etc/smartlib/secrets.toml"', 'secrets_file = "secrets.toml"'))
    [(where, what)] = problems_of(config)
    assert where.endswith(": secrets_file") and "cannot read the secrets file" in what
    secrets = write(tmp_path, '\nsip2_pasword = "x"\n', "secrets.toml")
    secrets.chmod(0o600)
    [(where, what)] = problems_of(config)
    assert where == f"{secrets}:2: sip2_pasword"
    assert "did you mean" not in what or "sip2_password" in what


def test_environment_wins_over_secrets_file(tmp_path: Path) -> None:
    secrets = write(tmp_path, 'sip2_password = "from-file"\n', "secrets.toml")
    secrets.chmod(0o600)
    config = write(tmp_path, render("kiosk").replace(
        '# secrets_file = "/etc/smartlib/secrets.toml"', 'secrets_file = "secrets.toml"'))
    loaded = load(config, environ={"SMARTLIB_SIP2_PASSWORD": "from-env",
                                   "SMARTLIB_MQTT_PASSWORD": "m"})
    assert loaded.secrets.sip2_password is not None
    assert loaded.secrets.sip2_password.get_secret_value() == "from-env"
    assert loaded.secrets.mqtt_password is not None


def test_bad_isil_timezone_and_reader_url(tmp_path: Path) -> None:
    text = (render("gate").replace('isil = "VN-TVTPHN"', 'isil = "not an isil"')
            .replace('timezone = "Asia/Ho_Chi_Minh"', 'timezone = "Asia/Hanoi_City"')
            .replace('url = "feig:///dev/ttyUSB0?baud=38400"', 'url = "http://reader"'))
    by_key = {w.split(": ", 1)[1]: m for w, m in problems_of(write(tmp_path, text))}
    assert "ISIL" in by_key["library.isil"]
    assert "time zone" in by_key["library.timezone"]
    assert "unknown reader scheme 'http'" in by_key["reader.url"]


# ------------------------------------------------------------------ CLI


def test_cli_check_exit_codes_and_messages(
        tmp_path: Path, cli_process: Callable[..., CliResult]) -> None:
    good = write(tmp_path, render("bookdrop"), "good.toml")
    result = cli_process("--lang", "en", "config", "check", str(good))
    assert result.code == 0, result.stderr
    assert "valid bookdrop configuration for hn-tvtp/bookdrop-01" in result.stdout

    bad = write(tmp_path, render("bookdrop").replace("port = 6001", 'port = "six"'), "bad.toml")
    line = render("bookdrop").splitlines().index("port = 6001") + 1
    result = cli_process("--lang", "en", "config", "check", str(bad))
    assert result.code == 2
    assert f"{bad}:{line}: ils.port: must be a whole number (got 'six')" in result.stderr
    assert "Traceback" not in result.stderr

    result = cli_process("--lang", "vi", "config", "check", str(bad))
    assert result.code == 2 and "phải là số nguyên" in result.stderr


def test_cli_check_json(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    import json

    bad = write(tmp_path, render("central").replace('shared_group = "relays"',
                                                   'shared_group = "a b"'))
    result = cli("--lang", "en", "config", "check", "--json", str(bad))
    assert result.code == 2
    data = json.loads(result.stdout)
    assert data["valid"] is False
    assert data["problems"][0]["where"].endswith(": relay.shared_group")


@pytest.mark.parametrize("role", EXAMPLES)
def test_cli_example_round_trips(
        tmp_path: Path, role: str, cli: Callable[..., CliResult]) -> None:
    result = cli("config", "example", role)
    assert result.code == 0
    assert result.stdout == render(role)


# ------------------------------------------------------------- robustness


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_is_a_config_or_a_config_error(text: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "fuzz.toml")
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        try:
            load(path, environ={})
        except ConfigError as exc:
            assert exc.problems and all(w.startswith(str(path)) for w, _ in exc.problems)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_examples_never_escape(data: st.DataObject) -> None:
    import tempfile

    text = render(data.draw(st.sampled_from(ROLES)))
    lines = text.splitlines()
    index = data.draw(st.integers(0, len(lines) - 1))
    lines[index] = data.draw(st.text(max_size=40))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "m.toml")
        path.write_bytes("\n".join(lines).encode("utf-8", "surrogatepass"))
        try:
            load(path, environ={})
        except ConfigError as exc:
            assert exc.problems


def test_key_lines_follow_tables_arrays_and_multiline_strings() -> None:
    text = "\n".join([
        'role = "x"',              # 1
        'a.b = 1',                 # 2
        '[t]',                     # 3
        'k = """',                 # 4
        'fake = 1',                # 5 inside a string
        '"""',                     # 6
        '"quoted key" = 2',        # 7
        '[[arr]]',                 # 8
        'x = 1',                   # 9
        '[[arr]]  # second',       # 10
        'x = 2',                   # 11
    ])
    lines = key_lines(text)
    assert lines[("role",)] == 1 and lines[("a", "b")] == 2 and lines[("a",)] == 2
    assert lines[("t", "k")] == 4 and ("t", "fake") not in lines
    assert lines[("t", "quoted key")] == 7
    assert lines[("arr", 0, "x")] == 9 and lines[("arr", 1, "x")] == 11


def test_config_module_does_no_work_at_import() -> None:
    # Loading configuration happens in main(), never as a side effect of import.
    import importlib

    import edge.config.loader

    before = dict(os.environ)
    importlib.reload(edge.config.loader)
    assert dict(os.environ) == before
