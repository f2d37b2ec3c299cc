"""Council configuration files: the example loads; a mistake names the file, line and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ehcp.council.config import load_council
from ehcp.council.yamlfile import ConfigError
from ehcp.domain.roles import ContributorRole
from tests.conftest import EXAMPLE_COUNCIL_DIR


@pytest.fixture
def council_dir(tmp_path) -> Path:
    target = tmp_path / "council"
    shutil.copytree(EXAMPLE_COUNCIL_DIR, target)
    return target


def _replace(path: Path, old: str, new: str) -> int:
    """Edit a config file; return the 1-based line of the edit."""
    text = path.read_text()
    assert old in text
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1))
    return line


def test_the_example_council_loads():
    council = load_council(EXAMPLE_COUNCIL_DIR)
    assert council.name == "Example Borough Council"
    assert {"la-maintained", "riverside-college", "sunflower-nursery"} <= set(council.calendars)
    assert council.policy.draft_target_weeks == 14


def test_a_malformed_date_names_file_line_and_field(council_dir):
    path = council_dir / "term-dates.yaml"
    line = _replace(
        path,
        "{starts_on: 2026-01-05, ends_on: 2026-02-13}",
        "{starts_on: 2026-01-05, ends_on: 2026-02-31}",
    )
    with pytest.raises(ConfigError) as refused:
        load_council(council_dir)
    [(at, field, _message)] = refused.value.problems
    assert (at, field) == (line, "calendars.la-maintained.terms[2].ends_on")
    assert f"{path}:{line}: calendars.la-maintained.terms[2].ends_on" in str(refused.value)


def test_overlapping_terms_name_the_calendar(council_dir):
    path = council_dir / "term-dates.yaml"
    line = _replace(
        path,
        "{starts_on: 2025-11-03, ends_on: 2025-12-19}",
        "{starts_on: 2025-10-20, ends_on: 2025-12-19}",
    )
    with pytest.raises(ConfigError) as refused:
        load_council(council_dir)
    [(at, field, message)] = refused.value.problems
    assert field == "calendars.la-maintained.terms"
    assert "date order" in message
    assert at is not None and at < line


def test_an_unknown_setting_is_refused_by_name(council_dir):
    path = council_dir / "council.yaml"
    line = _replace(path, "draft_target_weeks: 14", "draft_target_wekes: 14")
    with pytest.raises(ConfigError) as refused:
        load_council(council_dir)
    assert (line, "clock.draft_target_wekes") in [(at, field) for at, field, _ in refused.value.problems]


def test_an_out_of_range_value_is_refused(council_dir):
    line = _replace(council_dir / "council.yaml", "draft_target_weeks: 14", "draft_target_weeks: 21")
    with pytest.raises(ConfigError) as refused:
        load_council(council_dir)
    assert [(at, field) for at, field, _ in refused.value.problems] == [(line, "clock.draft_target_weeks")]


def test_broken_yaml_names_the_line(council_dir):
    path = council_dir / "council.yaml"
    line = _replace(path, "name: Example Borough Council", "name: [Example Borough Council")
    with pytest.raises(ConfigError) as refused:
        load_council(council_dir)
    [(at, field, message)] = refused.value.problems
    assert field == "" and "not valid YAML" in message
    assert at is not None and at >= line


def test_a_missing_file_is_named(council_dir):
    (council_dir / "term-dates.yaml").unlink()
    with pytest.raises(ConfigError, match="term-dates.yaml"):
        load_council(council_dir)


def test_the_example_ladder_escalates_health_to_the_dco():
    council = load_council(EXAMPLE_COUNCIL_DIR)
    health = council.ladder.rungs_for(ContributorRole.HEALTH)
    assert [(rung.at, rung.send, rung.to) for rung in health][-1] == (10, "escalation", "icb_dco")
    assert council.contacts["icb_dco"].email.endswith("nhs.uk")
    assert council.ladder.rungs_for(ContributorRole.FAMILY_REQUESTED) == council.ladder.advice["default"]


def test_a_ladder_rung_to_an_unknown_contact_names_its_line(council_dir):
    path = council_dir / "ladder.yaml"
    line = _replace(
        path, "{at: 10, send: escalation, to: icb_dco}", "{at: 10, send: escalation, to: icb_dc0}"
    )
    with pytest.raises(ConfigError) as refused:
        load_council(council_dir)
    [(at, field, message)] = refused.value.problems
    assert (at, field) == (line, "advice.health[3].to")
    assert "icb_dc0" in message and "not in contacts" in message


def test_the_default_ladder_cannot_escalate_to_a_contributors_manager(council_dir):
    path = council_dir / "ladder.yaml"
    line = _replace(
        path,
        "{at: 5, send: escalation, to: send_team_manager}",
        "{at: 5, send: escalation, to: contributor_manager}",
    )
    with pytest.raises(ConfigError) as refused:
        load_council(council_dir)
    assert [(at, field) for at, field, _ in refused.value.problems] == [(line, "advice.default[2].to")]


def test_a_breach_alert_to_nobody_configured_is_refused(council_dir):
    path = council_dir / "ladder.yaml"
    _replace(path, "alert_on_breach: [send_team_manager, head_of_service]", "alert_on_breach: [director]")
    with pytest.raises(ConfigError) as refused:
        load_council(council_dir)
    [(_at, field, message)] = refused.value.problems
    assert field == "limits.final_plan.alert_on_breach[0]" and "director" in message


def test_an_unknown_limit_or_step_is_refused(council_dir):
    path = council_dir / "ladder.yaml"
    line = _replace(path, "  final_plan:\n", "  final_plan_issued:\n")
    _replace(path, "{at: 0, send: chaser, to: contributor}", "{at: 0, send: nag, to: contributor}")
    with pytest.raises(ConfigError) as refused:
        load_council(council_dir)
    fields = {field: at for at, field, _ in refused.value.problems}
    assert fields["limits.final_plan_issued"] == line
    assert "advice.health[1].send" in fields


def test_the_example_letterhead_carries_what_letters_need():
    council = load_council(EXAMPLE_COUNCIL_DIR)
    head = council.letterhead
    assert head.signatory.title == "Head of SEND Services" and head.address[0] == "Example Borough Council"
    assert council.logo_path.is_file() and head.iass.name and head.mediation.name
    assert str(head.local_offer).startswith("https://")


def test_a_logo_that_is_not_there_is_named_with_its_line(council_dir):
    line = _replace(council_dir / "council.yaml", "logo: logo.png", "logo: crest.png")
    with pytest.raises(ConfigError) as refused:
        load_council(council_dir)
    [(at, field, message)] = refused.value.problems
    assert (at, field) == (line, "letterhead.logo") and "crest.png" in message


def test_a_letterhead_without_a_signatory_or_a_valid_web_address_is_refused(council_dir):
    path = council_dir / "council.yaml"
    _replace(path, "  signatory:\n    name: Priya Shah\n    title: Head of SEND Services\n", "")
    line = _replace(path, "local_offer: https://", "local_offer: www.")
    with pytest.raises(ConfigError) as refused:
        load_council(council_dir)
    fields = {field: at for at, field, _ in refused.value.problems}
    assert "letterhead.signatory" in fields and fields["letterhead.local_offer"] == line


def test_the_example_names_its_coordinators_by_key_and_who_gets_the_weekly_report():
    council = load_council(EXAMPLE_COUNCIL_DIR)
    assert set(council.coordinators) == {"coord-a", "coord-b"}
    assert str(council.coordinators["coord-a"].email) == "alex.morgan@example-borough.gov.uk"
    assert [str(contact.email) for contact in council.weekly_report_to] == [
        "send.manager@example-borough.gov.uk",
        "head.of.send@example-borough.gov.uk",
    ]


@pytest.mark.parametrize(
    "key",
    ["Coord-A", "coord a", "coord_a", "-coord", "coord-", "a" * 31, "jane.smith"],
)
def test_a_coordinator_key_prefect_could_not_carry_is_refused_with_its_line(council_dir, key):
    line = _replace(council_dir / "council.yaml", "  coord-a:\n", f"  {key!r}:\n")
    with pytest.raises(ConfigError) as refused:
        load_council(council_dir)
    [(at, field, _message)] = refused.value.problems
    assert field.startswith("coordinators") and at == line


def test_a_coordinator_without_a_valid_email_is_refused(council_dir):
    line = _replace(
        council_dir / "council.yaml", "email: sam.patel@example-borough.gov.uk", "email: sam.patel"
    )
    with pytest.raises(ConfigError) as refused:
        load_council(council_dir)
    [(at, field, _message)] = refused.value.problems
    assert (at, field) == (line, "coordinators.coord-b.email")


def test_a_council_without_coordinators_or_report_recipients_still_loads(council_dir):
    path = council_dir / "council.yaml"
    text = path.read_text()
    path.write_text(text[: text.index("\n# The coordinators (case officers)")] + "\n")
    council = load_council(council_dir)
    assert council.coordinators == {} and council.weekly_report_to == ()
