"""Every document the service drafts: its template, format and audience.

A kind may take a subject after a colon: `advice_request_letter:<advice key>` is
the request to one adviser, `exception_notice_letter:<ground>:<first day>` the
notice of one exception. Everything else about a kind lives here, so the planner,
the store, the mail and the CLI agree on names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ehcp.domain.roles import ContributorRole

# family: the family (parent or young person) receives it; professional: an adviser, the
# health or social care service, a school or college; internal: the SEND team's own.
Audience = Literal["family", "professional", "internal"]


class UnknownDocumentKind(ValueError):
    pass


@dataclass(frozen=True)
class DocumentKind:
    name: str
    title: str  # the letter's heading and its PDF title
    template: str  # under templates/
    format: Literal["pdf", "docx"]
    audience: Audience
    subject: Literal["advice", "exception"] | None = None  # what the part after ':' names
    generated: bool = True  # rendered from a template; False: a file a person gave us
    label: str = ""  # what a coordinator calls it in a list: "Acknowledgement letter"

    @property
    def media_type(self) -> str:
        if self.format == "pdf":
            return "application/pdf"
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

    @property
    def suffix(self) -> str:
        return f".{self.format}"


def _letter(name: str, title: str, audience: Audience = "family", **kw) -> DocumentKind:
    kw.setdefault("label", name.replace("_", " ").capitalize())
    return DocumentKind(name, title, f"letters/{name}.html", "pdf", audience, **kw)


KINDS: dict[str, DocumentKind] = {
    kind.name: kind
    for kind in (
        _letter("acknowledgement_letter", "Your request for an EHC needs assessment"),
        _letter(
            "considering_notice_letter",
            "Notice that an EHC needs assessment is being considered",
            "professional",
        ),
        _letter("decision_to_assess_letter", "Decision to carry out an EHC needs assessment"),
        _letter("decision_not_to_assess_letter", "Decision not to carry out an EHC needs assessment"),
        _letter(
            "advice_request_letter",
            "Request for advice and information for an EHC needs assessment",
            "professional",
            subject="advice",
        ),
        _letter("decision_not_to_issue_letter", "Decision not to issue an EHC plan"),
        _letter("draft_plan_letter", "Your child's draft EHC plan", label="Draft plan cover letter"),
        # The generated working draft, for the caseworker to write the plan from: never served.
        DocumentKind(
            "working_draft",
            "Working draft EHC plan",
            "plan/draft_plan.docx",
            "docx",
            "internal",
            label="Working draft of the plan (not for sending)",
        ),
        # The draft served on the family: the caseworker's uploaded version, never generated
        # (see ehcp/db/plan_versions.py); its "template" is that upload.
        DocumentKind(
            "draft_plan",
            "Draft EHC plan",
            "uploaded caseworker's version",
            "docx",
            "family",
            generated=False,
            label="Draft plan as served",
        ),
        _letter("final_plan_letter", "Your child's final EHC plan", label="Final plan cover letter"),
        DocumentKind("final_plan", "EHC plan", "plan/final_plan.html", "pdf", "family", label="Final plan"),
        _letter(
            "exception_notice_letter",
            "An exception to the time limits applies",
            subject="exception",
        ),
    )
}


# The kinds rendered from templates/ (checked at start-up and by the golden tests).
TEMPLATED: dict[str, DocumentKind] = {name: kind for name, kind in KINDS.items() if kind.generated}


def parse(kind: str) -> tuple[DocumentKind, str | None]:
    """The kind and its subject (None for kinds without one)."""
    name, _, subject = kind.partition(":")
    if name not in KINDS:
        raise UnknownDocumentKind(f"unknown document kind {name!r}; known: {', '.join(KINDS)}")
    found = KINDS[name]
    if (found.subject is None) != (subject == ""):
        needs = f"'{name}:<{found.subject}>'" if found.subject else f"'{name}' with nothing after it"
        raise UnknownDocumentKind(f"document kind {kind!r}: write {needs}")
    return found, subject or None


def audience_of(kind: str, *, advice_role: str | None = None) -> Audience:
    """Who a document is for. A request for advice goes to a professional, except the
    request for the family's own advice (Regs 6(1)(a)): that one is the family's.
    `advice_role`: the role of the advice request an `advice_request_letter:<key>` names."""
    found, _ = parse(kind)
    if found.subject == "advice" and advice_role == ContributorRole.PARENT_OR_YOUNG_PERSON.value:
        return "family"
    return found.audience
