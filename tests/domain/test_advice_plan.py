"""Who is asked for advice on one case (Regs 6(1)-(4)), and the school year that decides
preparation for adulthood advice (Regs 6(1)(g): "in or beyond year 9")."""

from __future__ import annotations

import re
from datetime import date

import pytest

from ehcp.domain.advice_plan import (
    EXISTING_ADVICE_ROLES,
    KEY_PATTERN,
    AdviceCase,
    Professional,
    Service,
    added_key,
    advice_plan,
)
from ehcp.domain.ehc_plan import year_group
from ehcp.domain.roles import ContributorRole
from ehcp.domain.school_years import school_year

ON = date(2026, 2, 10)
SERVICES = (
    Service(ContributorRole.HEALTH, "Example ICB", "icb@example.org"),
    Service(ContributorRole.PSYCHOLOGICAL, "Example EP Service", "ep@example.org"),
    Service(ContributorRole.SOCIAL_CARE, "Example Social Care", "sc@example.org"),
)
PFA = Service(ContributorRole.PREPARATION_FOR_ADULTHOOD, "Example PfA Team", "pfa@example.org")


def case(**more) -> AdviceCase:
    values = {
        "date_of_birth": date(2017, 3, 14),
        "setting_name": "Example Primary School",
        "setting_email": "senco@example.org",
        "services": SERVICES,
    }
    return AdviceCase(**{**values, **more})


def keys(plan) -> list[str]:
    return [item.key for item in plan.items]


# -- school years: by age on the 31 August before the school year begins -------


@pytest.mark.parametrize(
    ("born", "on", "year"),
    [
        (date(2012, 8, 31), date(2025, 9, 1), 9),  # 13 on 31 August 2025: the youngest of Year 9
        (date(2012, 9, 1), date(2025, 9, 1), 8),  # 12 on 31 August 2025: the oldest of Year 8
        (date(2012, 8, 31), date(2025, 8, 31), 8),  # the last day of 2024/25: still Year 8
        (date(2012, 9, 1), date(2026, 8, 31), 8),  # the last day of 2025/26: still Year 8
        (date(2020, 9, 1), date(2025, 9, 1), 0),  # 4 on 31 August 2025: Reception
        (date(2021, 9, 1), date(2025, 9, 1), -1),  # 3 on 31 August 2025: not yet Reception
        (date(2008, 2, 29), date(2025, 9, 1), 13),  # a leap-day birthday: 17 on 31 August 2025
    ],
)
def test_the_school_year_is_set_by_age_on_31_august(born, on, year):
    assert school_year(born, on) == year


def test_the_school_year_changes_on_1_september_not_on_the_birthday():
    born = date(2012, 10, 20)
    assert school_year(born, date(2025, 8, 31)) == 7
    assert school_year(born, date(2025, 9, 1)) == 8
    assert school_year(born, date(2025, 10, 20)) == 8  # the 13th birthday changes nothing


@pytest.mark.parametrize("born", [date(2012, 8, 31), date(2012, 9, 1), date(2016, 2, 29), date(2019, 12, 31)])
@pytest.mark.parametrize("on", [date(2025, 8, 31), date(2025, 9, 1), date(2026, 2, 28), date(2026, 7, 1)])
def test_the_school_year_agrees_with_the_plans_year_group(born, on):
    assert school_year(born, on) == year_group(born, on)


# -- who is asked -----------------------------------------------------------


def test_the_family_the_setting_and_each_configured_service_are_asked_in_the_order_of_regs_6_1():
    plan = advice_plan(case(), on=ON)
    assert keys(plan) == ["family", "setting", "health", "psychological", "social-care"]
    assert [item.head for item in plan.items] == [
        "Regs 6(1)(a)",
        "Regs 6(1)(b)",
        "Regs 6(1)(c)",
        "Regs 6(1)(d)",
        "Regs 6(1)(e)",
    ]
    assert plan.unresolved == ()
    assert all(re.fullmatch(KEY_PATTERN, key) for key in keys(plan))


def test_each_item_says_who_is_asked_and_why_in_words_a_coordinator_reads():
    setting = advice_plan(case(), on=ON).item("setting")
    assert setting is not None
    assert (setting.role, setting.organisation, setting.email) == (
        ContributorRole.EDUCATIONAL,
        "Example Primary School",
        "senco@example.org",
    )
    assert setting.why.startswith("Educational advice from the head of the child's current setting")


def test_a_setting_without_an_email_is_asked_all_the_same_by_post():
    setting = advice_plan(case(setting_email=None), on=ON).item("setting")
    assert setting is not None and setting.email is None
    assert "goes by post" in setting.why


def test_with_no_current_setting_the_educational_advice_is_a_coordinator_matter():
    plan = advice_plan(case(setting_name=None, setting_email=None), on=ON)
    assert "setting" not in keys(plan)
    assert len(plan.unresolved) == 1 and plan.unresolved[0].startswith("educational advice (Regs 6(1)(b))")


@pytest.mark.parametrize(
    ("hearing", "vision", "teachers"),
    [
        (True, False, ("a qualified teacher of the deaf",)),
        (False, True, ("a qualified teacher of the visually impaired",)),
        (True, True, ("a qualified teacher of the deaf", "a qualified teacher of the visually impaired")),
        (False, False, ()),
    ],
)
def test_for_a_hearing_or_visually_impaired_child_the_educational_advice_follows_a_qualified_teacher(
    hearing, vision, teachers
):
    setting = advice_plan(case(hearing_impairment=hearing, vision_impairment=vision), on=ON).item("setting")
    assert setting is not None and setting.after_consulting == teachers
    assert ("Regs 6(3)" in setting.why) == bool(teachers)


def test_regs_6_3_is_named_even_when_there_is_no_setting_to_ask():
    plan = advice_plan(case(setting_name=None, setting_email=None, hearing_impairment=True), on=ON)
    assert "a qualified teacher of the deaf (Regs 6(3))" in plan.unresolved[0]


def test_preparation_for_adulthood_advice_is_sought_from_year_9_not_before():
    services = (*SERVICES, PFA)
    year_8 = advice_plan(case(date_of_birth=date(2012, 9, 1), services=services), on=date(2025, 9, 1))
    year_9 = advice_plan(case(date_of_birth=date(2012, 8, 31), services=services), on=date(2025, 9, 1))
    assert "preparation-for-adulthood" not in keys(year_8)
    pfa = year_9.item("preparation-for-adulthood")
    assert pfa is not None and pfa.head == "Regs 6(1)(g)" and "year 9" in pfa.why


def test_year_9_with_no_service_for_it_is_a_coordinator_matter_not_silence():
    plan = advice_plan(case(date_of_birth=date(2010, 1, 1)), on=ON)
    assert "preparation-for-adulthood" not in keys(plan)
    assert any(note.startswith("preparation for adulthood advice (Regs 6(1)(g))") for note in plan.unresolved)


def test_each_professional_named_at_intake_is_asked_under_regs_6_1_f_with_their_email():
    named = (
        Professional("speech and language therapist", "Example NHS Trust", "Dr Testname", "salt@example.org"),
        Professional("occupational therapist", "Example OT Service"),
    )
    plan = advice_plan(case(professionals=named), on=ON)
    assert keys(plan)[-2:] == ["professional-1", "professional-2"]
    salt, ot = plan.item("professional-1"), plan.item("professional-2")
    assert salt is not None and ot is not None
    assert (salt.role, salt.name, salt.email, salt.head) == (
        ContributorRole.OTHER,
        "Dr Testname",
        "salt@example.org",
        "Regs 6(1)(f)",
    )
    assert ot.email is None and "by post" in ot.why


def test_a_professional_already_asked_under_another_head_is_not_asked_twice():
    same_ep = (Professional("educational psychologist", "Example EP Service", email="EP@example.org"),)
    assert "professional-1" not in keys(advice_plan(case(professionals=same_ep), on=ON))


def test_keys_added_by_a_coordinator_carry_the_role_and_the_next_free_number_never_a_name():
    assert added_key(ContributorRole.FAMILY_REQUESTED, ["family", "health"]) == "family-requested-1"
    assert added_key(ContributorRole.FAMILY_REQUESTED, ["family-requested-1"]) == "family-requested-2"
    assert added_key(ContributorRole.OTHER, ["other", "other-1"]) == "other-2"
    assert re.fullmatch(KEY_PATTERN, added_key(ContributorRole.PREPARATION_FOR_ADULTHOOD, []))


def test_regs_6_4_covers_advice_under_b_to_h_never_the_familys_own():
    assert ContributorRole.PARENT_OR_YOUNG_PERSON not in EXISTING_ADVICE_ROLES
    assert set(ContributorRole) - EXISTING_ADVICE_ROLES == {ContributorRole.PARENT_OR_YOUNG_PERSON}
