"""A fresh install makes its own secrets; nothing in the repository opens a running service."""

from __future__ import annotations

import stat
import subprocess
import sys

import pytest
from pydantic import ValidationError

from ehcp.intake.signature import decode_secret
from ehcp.local_secrets import secrets_path
from ehcp.settings import PROJECT_ROOT, SECRET_SETTINGS, Settings


def _values(settings: Settings) -> dict[str, str]:
    return {name: getattr(settings, name).get_secret_value() for name in SECRET_SETTINGS}


def test_a_fresh_install_generates_its_secrets_under_var_readable_by_its_owner_only(tmp_path):
    settings = Settings(var_dir=tmp_path / "var")
    path = secrets_path(tmp_path / "var")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    values = _values(settings)
    assert all(len(value) >= 32 for value in values.values())
    assert len(decode_secret(values["intake_webhook_secret"])) == 32


def test_every_process_of_one_install_reads_the_same_secrets(tmp_path):
    first = _values(Settings(var_dir=tmp_path / "var"))
    again = _values(Settings(var_dir=tmp_path / "var"))
    other_install = _values(Settings(var_dir=tmp_path / "other"))
    assert first == again
    assert all(first[name] != other_install[name] for name in SECRET_SETTINGS)


def test_processes_starting_together_agree_on_one_set(tmp_path):
    script = (
        "import sys; from ehcp.settings import Settings; "
        "print(Settings(var_dir=sys.argv[1]).api_token.get_secret_value())"
    )
    children = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path / "var")], stdout=subprocess.PIPE, text=True
        )
        for _ in range(6)
    ]
    tokens = {child.communicate(timeout=60)[0].strip() for child in children}
    assert len(tokens) == 1 and "" not in tokens


def test_configured_secrets_are_used_and_nothing_is_written(tmp_path, monkeypatch):
    for name in SECRET_SETTINGS:
        monkeypatch.setenv(f"EHC_{name.upper()}", "whsec_" + "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ=")
    Settings(var_dir=tmp_path / "var")
    assert not secrets_path(tmp_path / "var").exists()


def test_a_secrets_file_others_can_read_is_refused_naming_the_fix(tmp_path):
    Settings(var_dir=tmp_path / "var")
    path = secrets_path(tmp_path / "var")
    path.chmod(0o644)
    with pytest.raises(ValidationError, match="can be read by others.*chmod 600") as refused:
        Settings(var_dir=tmp_path / "var")
    assert path.read_text()[:20] not in str(refused.value)


@pytest.mark.parametrize(
    "exposed",
    [
        {"web_host": "0.0.0.0"},
        {"web_host": "192.168.1.20"},
        {"prefect_host": "0.0.0.0"},
        {"web_host": "ehcp.internal"},
    ],
)
def test_an_install_others_can_reach_refuses_to_start_without_configured_secrets(tmp_path, exposed):
    with pytest.raises(ValidationError, match="EHC_SECRET_KEY must be set.*EHC_API_TOKEN must be set"):
        Settings(var_dir=tmp_path / "var", **exposed)
    assert not secrets_path(tmp_path / "var").exists()


@pytest.mark.parametrize("loopback", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_binds_are_this_machine_only(tmp_path, loopback):
    assert Settings(var_dir=tmp_path / "var", web_host=loopback).reachable_from_elsewhere == ""


def test_an_exposed_install_with_configured_secrets_starts(tmp_path, monkeypatch):
    monkeypatch.setenv("EHC_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("EHC_API_TOKEN", "t" * 40)
    monkeypatch.setenv("EHC_INTAKE_WEBHOOK_SECRET", "whsec_" + "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ=")
    assert Settings(var_dir=tmp_path / "var", web_host="0.0.0.0").api_token.get_secret_value() == "t" * 40


def test_no_secret_value_is_written_in_the_package():
    """The development constants that once opened every install are gone: secrets are
    generated, or configured, or (in tests) made by the test."""
    sources = [*(PROJECT_ROOT / "ehcp").rglob("*.py"), *(PROJECT_ROOT / "flows").rglob("*.py")]
    sources += [
        PROJECT_ROOT / "README.md",
        PROJECT_ROOT / "prefect.yaml",
        *(PROJECT_ROOT / "config").rglob("*"),
    ]
    for path in sources:
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            assert "development-only-not-a-secret" not in text, path
            assert "whsec_ZGV2" not in text, path
    assert all(Settings.model_fields[name].default.get_secret_value() == "" for name in SECRET_SETTINGS)
