"""Coordinator commands after the draft: the family's requests, section I, advice the plan
goes ahead without, and the council's decision to finalise (never a timer's)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

import typer

from ehcp.cli.cases import ACTOR as ACTOR  # noqa: F401 (one actor for every coordinator command)
from ehcp.cli.cases import On, Ref, _record
from ehcp.cli.common import DATE_FORMATS, checked_text
from ehcp.db import crud
from ehcp.domain.facts import SettingType
from ehcp.domain.finalising import ADVICE_GAP_REASONS
from ehcp.limits import EMAIL, NAME
from ehcp.timesource import london_date

GapReason = StrEnum("GapReason", {reason: reason for reason in ADVICE_GAP_REASONS})  # type: ignore[misc]
MaybeDay = Annotated[datetime | None, typer.Option(formats=DATE_FORMATS, help="YYYY-MM-DD")]


def finalise(ref: Ref, on: On) -> None:
    """Finalise the EHC plan: the council's decision. Refused, with every reason, until the
    family's 15 days are over, a requested meeting is held, the schools are consulted and no
    advice is outstanding without a recorded reason. The plan then goes to the family, the
    named institution and the ICB."""
    _record(ref, lambda session, **kw: crud.finalise_plan(session, on=on.date(), **kw), "plan finalised")


def name_setting(
    ref: Ref,
    setting_type: Annotated[SettingType, typer.Option("--type", help="The type of school or institution.")],
    setting: Annotated[
        str | None, typer.Argument(help="The institution to name in section I (omit: type only).")
    ] = None,
    email: Annotated[
        str | None, typer.Option(help="Its email if not consulted by email (the plan's copy goes here).")
    ] = None,
) -> None:
    """Record what section I will say: the institution and its type, or the type alone (s.40(2))."""
    checked_text("SETTING", setting, max_length=NAME, name=True)
    checked_text("--email", email, max_length=EMAIL)
    _record(
        ref,
        lambda session, **kw: crud.record_named_setting(
            session,
            setting_name=setting,
            setting_type=setting_type,
            setting_email=email,
            on=london_date(kw["now"]),
            **kw,
        ),
        "section I",
    )


def requested_school(
    ref: Ref, school: Annotated[str, typer.Argument(help="The school the family asked for.")], on: On
) -> None:
    """Record the school the family asked to be named (s.38(2)(b)); it must be consulted."""
    checked_text("SCHOOL", school, max_length=NAME, name=True)
    _record(
        ref,
        lambda session, **kw: crud.record_requested_school(session, school=school, on=on.date(), **kw),
        "school the family asked for",
    )


def meeting(ref: Ref, requested_on: MaybeDay = None, held_on: MaybeDay = None) -> None:
    """Record that the family asked for a meeting about the draft (Regs 13(1)(a)(ii)), or that it was held."""
    _record(
        ref,
        lambda session, **kw: crud.record_meeting(
            session,
            requested_on=requested_on.date() if requested_on else None,
            held_on=held_on.date() if held_on else None,
            **kw,
        ),
        "meeting",
    )


def advice_gap(
    ref: Ref,
    key: Annotated[str, typer.Argument(help="The advice request's key, e.g. health.")],
    reason: Annotated[GapReason, typer.Option(help="Why the plan goes ahead without it.")],
) -> None:
    """Record why the plan goes ahead without advice that has not come (Regs 6(1) says it must be sought)."""
    _record(
        ref,
        lambda session, **kw: crud.record_advice_gap(session, key=key, reason=reason.value, **kw),
        f"going ahead without advice {key}",
    )
