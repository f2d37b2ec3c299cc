"""Strict templates: a misspelt name or field is found before anything runs, with the file
and line, even in a branch the sample case never takes."""

from __future__ import annotations

import shutil
from pathlib import Path

import docx
import pytest

from ehcp.documents.checks import TemplateCheckError, check_document_templates, check_renders
from ehcp.rendering import TEMPLATES


@pytest.fixture
def templates(tmp_path) -> Path:
    copy = tmp_path / "templates"
    shutil.copytree(TEMPLATES, copy)
    return copy


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def problems(templates: Path) -> str:
    with pytest.raises(TemplateCheckError) as raised:
        check_document_templates(templates)
    return str(raised.value)


def test_the_shipped_templates_match_their_models_and_render(council):
    check_document_templates()
    check_renders(council)


def test_a_misspelt_field_in_a_branch_never_taken_is_named_with_its_line(templates):
    letter = templates / "letters" / "decision_not_to_assess_letter.html"
    line = letter.read_text(encoding="utf-8").count("\n") + 1
    append(letter, "{% if false %}{{ case.child.ful_name }}{% endif %}\n")
    found = problems(templates)
    assert f"templates/letters/decision_not_to_assess_letter.html:{line}" in found
    assert "ChildView has no field 'ful_name' (in case.child.ful_name)" in found


def test_an_unknown_variable_is_named(templates):
    append(templates / "letters" / "acknowledgement_letter.html", "{{ internal_note }}\n")
    assert "unknown variable 'internal_note'" in problems(templates)


def test_a_field_of_a_loop_variable_is_checked_against_the_element_model(templates):
    plan = templates / "plan" / "final_plan.html"
    text = plan.read_text(encoding="utf-8").replace("gap.due_on|long_date", "gap.due_date|long_date")
    plan.write_text(text, encoding="utf-8")
    assert "Gap has no field 'due_date' (in gap.due_date)" in problems(templates)


def test_a_property_of_the_view_is_followed_to_its_model(templates):
    append(templates / "letters" / "acknowledgement_letter.html", "{{ case.issue_decision.reason }}\n")
    assert "DecisionView has no field 'reason'" in problems(templates)


def test_a_misspelt_tag_in_the_word_template_is_named(templates):
    path = templates / "plan" / "draft_plan.docx"
    document = docx.Document(path)
    document.add_paragraph("{{ plan.child_nme }}")
    document.save(path)
    found = problems(templates)
    assert "templates/plan/draft_plan.docx" in found and "EhcPlan has no field 'child_nme'" in found


def test_a_syntax_error_and_a_missing_template_are_named(templates):
    append(templates / "letters" / "final_plan_letter.html", "{% if %}\n")
    (templates / "letters" / "exception_notice_letter.html").unlink()
    found = problems(templates)
    assert "templates/letters/final_plan_letter.html" in found
    assert "templates/letters/exception_notice_letter.html: missing" in found
