"""Plain words for the keys the service stores: what a coordinator reads in `ehcp timeline`,
`ehcp chronology`, `ehcp documents list`, the case API and the run's timeline artifact.

Keys (`advice:health`, `notice:social_care`, `adviser:parent_or_young_person`,
`system:request-flow`) stay what the JSON, the database and the commands use; these are
only the words shown beside or instead of them. Built from roles and keys alone, never a
name, so every label may reach Prefect.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ehcp.documents.kinds import UnknownDocumentKind, parse
from ehcp.domain.advice_plan import FAMILY_ADVICE_KEY, SETTING_ADVICE_KEY, role_key
from ehcp.domain.clock import Limit
from ehcp.domain.roles import ContributorRole
from ehcp.text import words

# The one advice request `ehcp timeline --advice-requested` stands for: every adviser
# asked on the same day.
GENERIC_ADVICE_KEY = "advice"


@dataclass(frozen=True)
class RoleWords:
    advice: str  # the advice itself, as a limit's label: "Health advice"
    adviser: str  # who gives it, after "to" or "for": "the health adviser"


ROLE_WORDS: dict[ContributorRole, RoleWords] = {
    ContributorRole.PARENT_OR_YOUNG_PERSON: RoleWords(
        "Parent or young person's advice", "the parent or young person"
    ),
    ContributorRole.EDUCATIONAL: RoleWords("Educational advice", "the educational adviser"),
    ContributorRole.HEALTH: RoleWords("Health advice", "the health adviser"),
    ContributorRole.PSYCHOLOGICAL: RoleWords("Educational psychology advice", "the educational psychologist"),
    ContributorRole.SOCIAL_CARE: RoleWords("Social care advice", "the social care adviser"),
    ContributorRole.OTHER: RoleWords("Other advice", "another adviser"),
    ContributorRole.PREPARATION_FOR_ADULTHOOD: RoleWords(
        "Preparation for adulthood advice", "the preparation for adulthood adviser"
    ),
    ContributorRole.FAMILY_REQUESTED: RoleWords(
        "Advice the family asked for", "the adviser the family asked for"
    ),
}

_ROLE_BY_WORDS = {words(role.value): role for role in ContributorRole}


def _role(value: str | ContributorRole) -> ContributorRole | None:
    try:
        return ContributorRole(value)
    except ValueError:
        return _ROLE_BY_WORDS.get(str(value))


def standard_advice_key(role: ContributorRole) -> str:
    """The key a role's request gets when the service plans it (ehcp.domain.advice_plan)."""
    if role is ContributorRole.PARENT_OR_YOUNG_PERSON:
        return FAMILY_ADVICE_KEY
    if role is ContributorRole.EDUCATIONAL:
        return SETTING_ADVICE_KEY
    return role_key(role)


def advice_label(role: str | ContributorRole, key: str | None = None) -> str:
    """ "Health advice"; with the key after it when the role alone does not name the
    request ("Other advice (professional-1)"), so two requests never read the same."""
    found = _role(role)
    if found is None:
        return f"Advice ({words(role)})" + (f" ({key})" if key else "")
    label = ROLE_WORDS[found].advice
    if key is None or key == standard_advice_key(found):
        return label
    return f"{label} ({key})"


def adviser_label(role: str | ContributorRole) -> str:
    found = _role(role)
    return ROLE_WORDS[found].adviser if found is not None else f"the {words(role)} adviser"


# -- limits ----------------------------------------------------------------

# What ehcp.domain.clock calls an advice limit: "Advice (<role in words>: <key>)",
# and " - existing advice accepted" after it for advice agreed sufficient (Regs 6(4)).
_ADVICE_TITLE = re.compile(
    r"^Advice \((?P<role>[a-z ]+): (?P<key>[^)]*)\)(?P<accepted> - existing advice accepted)?$"
)

CONSULTATION_LABEL = "School or college consulted: answer due"
CONSULTATIONS_LABEL = "Schools or colleges consulted: answers due"
GENERIC_ADVICE_LABEL = "Advice from each adviser"


def limit_subject(limit: Limit) -> str | None:
    """The key after the colon (`health` of `advice:health`): what a command takes."""
    _, _, subject = limit.key.partition(":")
    return subject or None


def limit_label(limit: Limit, *, with_key: bool = True) -> str:
    """A limit as a coordinator reads it: "Health advice", not "Advice (health: health)".

    `with_key`: name the request when its label alone does not (two consultations, a
    second adviser of one role). A table that shows the key beside it passes False.
    """
    kind, _, subject = limit.key.partition(":")
    if kind == "advice" and subject:
        if subject == GENERIC_ADVICE_KEY:
            return GENERIC_ADVICE_LABEL
        match = _ADVICE_TITLE.match(limit.title)
        role = _role(match["role"]) if match else None
        if role is None:
            return limit.title
        label = advice_label(role, subject if with_key else None)
        return f"{label}: existing advice accepted" if match and match["accepted"] else label
    if kind == "school_consultation":
        if not subject:
            return CONSULTATIONS_LABEL
        return f"{CONSULTATION_LABEL} ({subject})" if with_key else CONSULTATION_LABEL
    return limit.title  # the others are already words


# -- the chronology ------------------------------------------------------------

RECIPIENT_WORDS = {
    "family": "the family",
    "setting": "the school or college",
    "consulted_setting": "the school or college consulted",
    "named_setting": "the school or college named in the plan",
    "send_team": "the SEND team",
    "notice:health": "health services",
    "notice:social_care": "social care",
    "contact:send_team_manager": "the SEND team manager",
    "contact:head_of_service": "the head of SEND",
    "contact:icb_dco": "the ICB's designated clinical officer",
}


def recipient_label(recipient: str) -> str:
    """Who a message went to, from the role the outbox records (`notice:social_care`)."""
    if recipient in RECIPIENT_WORDS:
        return RECIPIENT_WORDS[recipient]
    kind, _, which = recipient.partition(":")
    if kind == "family":
        return RECIPIENT_WORDS["family"]
    if kind == "adviser":
        return adviser_label(which)
    if kind == "manager":
        found = _role(which)
        service = words(found.value) if found is not None else words(which)
        return f"the {service} manager"
    if kind in ("notice", "contact"):
        return words(which)
    if kind == "officer":
        return f"the case's coordinator ({which})"
    return words(recipient)


ACTOR_WORDS = {
    "system": "System",
    "system:request-flow": "System (case run)",
    "system:mail": "System (email)",
    "system:sweep": "System (sweep)",
    "coordinator:cli": "Coordinator (command line)",
    "coordinator:post-tray": "Coordinator (post tray)",
    "coordinator:prefect-ui": "Coordinator (Prefect)",
    "coordinator:api": "Coordinator (case API)",
    "intake:webhook": "Online request form",
}


def actor_label(actor: str) -> str:
    """Who recorded a chronology entry: "System (case run)", not `system:request-flow`."""
    if actor in ACTOR_WORDS:
        return ACTOR_WORDS[actor]
    kind, _, which = actor.partition(":")
    if kind == "contributor" and which:
        who = adviser_label(which).removeprefix("the ")
        return f"{who[0].upper()}{who[1:]} (online)"
    return actor


MESSAGE_EVENTS = ("message_queued", "message_sent", "message_failed", "message_withdrawn", "letter_posted")


def event_summary(
    kind: str, summary: str, detail: Mapping[str, Any], *, advice_roles: Mapping[str, str] | None = None
) -> str:
    """A chronology entry's summary with the keys in it put in words.

    Entries are append-only, and their writers name recipients, advisers and limits by
    key ("Advice request queued to adviser:parent_or_young_person."). Only where the
    stored summary says exactly what its writer made from `detail` are those same facts
    put in words; any other summary is shown as it was written. `advice_roles` (each
    advice request's key and role, from `advice_roles_of`) says whose advice a key is.
    """
    return _in_words(kind, summary, detail, advice_roles or {})


def _in_words(kind: str, summary: str, detail: Mapping[str, Any], roles: Mapping[str, str]) -> str:
    text = {name: value for name, value in detail.items() if isinstance(value, str)}
    if kind in MESSAGE_EVENTS and {"purpose", "recipient"} <= text.keys():
        purpose, recipient = words(text["purpose"]).capitalize(), text["recipient"]
        # "<Purpose> queued to <r>.", "... sent to <r>.", "... posted to <r> (first class)...",
        # "<Purpose> to <r> could not be delivered...", "<Purpose> to <r> withdrawn unsent..."
        written = re.match(
            rf"{re.escape(purpose)} (?P<how>(?:queued |sent |posted )?)to {re.escape(recipient)}(?=[. ])",
            summary,
        )
        if written is None:
            return summary
        to = "for" if written["how"] == "queued " else "to"
        return f"{purpose} {written['how']}{to} {recipient_label(recipient)}{summary[written.end() :]}"
    if kind in ("advice_requested", "advice_received") and {"role", "key"} <= text.keys():
        verb = "requested" if kind == "advice_requested" else "received"
        if summary == f"Advice {verb} from {words(text['role'])} ({text['key']}).":
            return f"{advice_label(text['role'], text['key'])} {verb}."
        return summary
    if kind == "advice_gap_recorded" and "key" in text and text["key"] in roles:
        before = f"Going ahead without advice {text['key']!r}: "
        if summary.startswith(before):
            label = advice_label(roles[text["key"]], text["key"])
            return f"Going ahead without {_lower(label)}: " + summary[len(before) :]
        return summary
    if kind in ("exception_recorded", "exception_ended") and "limit_key" in text:
        said = _exception_in_words(summary, text["limit_key"], roles)
        # These end with whoever recorded them ("Recorded by coordinator:cli.").
        actor = re.search(r" Recorded by (\S+)\.$", said)
        return said[: actor.start()] + f" Recorded by {actor_label(actor[1])}." if actor else said
    if kind in ("document_drafted", "document_regenerated") and "document" in text:
        return _document_in_words(summary, text["document"], roles)
    return summary


def _exception_in_words(summary: str, limit_key: str, roles: Mapping[str, str]) -> str:
    kind, _, key = limit_key.partition(":")
    if kind != "advice" or key not in roles:
        return summary
    label = _lower(advice_label(roles[key], key))
    role_words = words(roles[key])
    # exception_recorded names the limit by its title in lower case, exception_ended by key.
    for named, after in ((f"advice ({role_words}: {key})", " ("), (limit_key, ")")):
        written = f"against {named}{after}"
        if written in summary:
            return summary.replace(written, f"against {label}{after}", 1)
    return summary


def _document_in_words(summary: str, document: str, roles: Mapping[str, str]) -> str:
    try:
        found, _ = parse(document)
    except UnknownDocumentKind:
        return summary
    label = document_label(document, advice_roles=roles)
    for written, plain in (
        (f"{found.title} drafted ({found.format}).", f"drafted ({found.format.upper()})."),
        (f"{found.title} regenerated.", "regenerated."),
        (f"{found.title} regenerated (unchanged).", "regenerated (unchanged)."),
    ):
        if summary == written:
            return f"{label} {plain}"
    return summary


def _lower(label: str) -> str:
    """A label inside a sentence: "Health advice" -> "health advice" (SEND stays SEND)."""
    return label[0].lower() + label[1:] if label[1:2].islower() else label


def advice_roles_of(entries: Iterable[tuple[str, Mapping[str, Any]]]) -> dict[str, str]:
    """Each advice request's key and role, from chronology entries (kind, detail)."""
    roles = {}
    for kind, detail in entries:
        key, role = detail.get("key"), detail.get("role")
        if kind == "advice_requested" and isinstance(key, str) and isinstance(role, str):
            roles[key] = role
    return roles


# -- documents -----------------------------------------------------------------

AUDIENCE_WORDS = {"family": "Family", "professional": "Professional", "internal": "SEND team only"}


def document_label(kind: str, *, advice_roles: Mapping[str, str] | None = None) -> str:
    """ "Advice request letter to the health adviser", not `advice_request_letter:health`.
    `advice_roles`: each advice request's key and role, to say whom a request went to."""
    try:
        found, subject = parse(kind)
    except UnknownDocumentKind:
        return words(kind)
    label = found.label or words(found.name).capitalize()
    if subject is None:
        return label
    if found.subject == "advice":
        role = (advice_roles or {}).get(subject)
        return f"{label} to {adviser_label(role)}" if role else f"{label} ({subject})"
    ground, _, rest = subject.partition(":")
    starts = rest.partition(":")[0]
    return f"{label}: {words(ground)}" + (f" from {starts}" if starts else "")
