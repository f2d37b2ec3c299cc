"""Where a case stands, derived from its facts (never stored independently of them)."""

from enum import StrEnum

from ehcp.domain.facts import AssessmentOutcome, CaseFacts, IssueOutcome


class CaseStage(StrEnum):
    CONSIDERING = "considering"  # deciding whether to assess (by week 6)
    ASSESSING = "assessing"  # advice being gathered; decision whether to issue to come
    DRAFTING = "drafting"  # decided to issue; draft plan being prepared
    DRAFT_SERVED = "draft_served"  # family's 15 days; school consultation; finalising
    PLAN_ISSUED = "plan_issued"
    NOT_ASSESSED = "not_assessed"
    NOT_ISSUED = "not_issued"
    WITHDRAWN = "withdrawn"

    @property
    def is_closed(self) -> bool:
        return self in CLOSED_STAGES


CLOSED_STAGES = frozenset(
    {CaseStage.PLAN_ISSUED, CaseStage.NOT_ASSESSED, CaseStage.NOT_ISSUED, CaseStage.WITHDRAWN}
)
# The assessment ended without a plan: advice asked for is no longer needed
# (ehcp/domain/planner.py `_stood_down`; the portal takes none).
ENDED_WITHOUT_A_PLAN = frozenset({CaseStage.WITHDRAWN, CaseStage.NOT_ISSUED})


def stage_of(facts: CaseFacts) -> CaseStage:
    if facts.withdrawn_on is not None:
        return CaseStage.WITHDRAWN
    if facts.final_issued_on is not None:
        return CaseStage.PLAN_ISSUED
    assessment = facts.decision_to_assess
    if assessment is None:
        return CaseStage.CONSIDERING
    if assessment.outcome is AssessmentOutcome.NOT_ASSESS:
        return CaseStage.NOT_ASSESSED
    issue = facts.decision_to_issue
    if issue is not None and issue.outcome is IssueOutcome.NOT_ISSUE:
        return CaseStage.NOT_ISSUED
    if facts.draft_issued_on is not None:
        return CaseStage.DRAFT_SERVED
    if issue is not None:
        return CaseStage.DRAFTING
    return CaseStage.ASSESSING
