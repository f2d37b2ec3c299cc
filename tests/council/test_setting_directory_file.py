"""The council's directory of settings (settings.yaml): a setting's address for advice
requests and notices comes from here. Checked as strictly as the other council files: a
mistake names the file, the line and the field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ehcp.council.config import load_council
from ehcp.council.yamlfile import ConfigError
from tests.conftest import EXAMPLE_COUNCIL_DIR


@pytest.fixture
def council_dir(tmp_path) -> Path:
    target = tmp_path / "council"
    shutil.copytree(EXAMPLE_COUNCIL_DIR, target)
    return target


def _replace(path: Path, old: str, new: str) -> int:
    text = path.read_text()
    assert old in text
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1))
    return line


def _refusal(council_dir: Path) -> tuple[ConfigError, list[tuple[int | None, str]]]:
    with pytest.raises(ConfigError) as refused:
        load_council(council_dir)
    return refused.value, [(at, field) for at, field, _ in refused.value.problems]


def test_the_example_directory_has_the_demos_setting():
    council = load_council(EXAMPLE_COUNCIL_DIR)
    entry = council.setting("100001")
    assert entry is not None and entry.name == "Example Primary School"
    assert str(entry.sen_email) == "senco@example-primary.example.org"
    assert council.setting(None) is None and council.setting("999999") is None


def test_a_urn_written_without_quotes_is_read_as_its_digits(council_dir):
    _replace(council_dir / "settings.yaml", '"100002":', "100002:")
    assert load_council(council_dir).setting("100002") is not None


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("senco@oak-academy.example.org", "not-an-email", "settings.100002.sen_email"),
        ('"100002":', '"10002x":', "settings.10002x"),
        ("    name: Oak Academy", "    nmae: Oak Academy", "settings.100002.nmae"),
    ],
)
def test_a_mistake_names_the_file_line_and_field(council_dir, old, new, field):
    path = council_dir / "settings.yaml"
    line = _replace(path, old, new)
    error, problems = _refusal(council_dir)
    assert (line, field) in problems
    assert f"{path}:{line}: {field}" in str(error)


def test_an_unknown_term_calendar_is_named(council_dir):
    path = council_dir / "settings.yaml"
    text = path.read_text()
    line = text[: text.index("senco@oak-academy")].count("\n") + 2
    path.write_text(
        text.replace(
            "sen_email: senco@oak-academy.example.org\n    term_calendar: la-maintained",
            "sen_email: senco@oak-academy.example.org\n    term_calendar: la-maintaned",
        )
    )
    error, problems = _refusal(council_dir)
    assert problems == [(line, "settings.100002.term_calendar")]
    assert "la-maintaned" in str(error) and "term-dates.yaml" in str(error)


def test_a_missing_directory_is_refused_naming_the_file(council_dir):
    (council_dir / "settings.yaml").unlink()
    error, _ = _refusal(council_dir)
    assert "settings.yaml" in str(error) and "cannot read file" in str(error)
