"""The request flow: one run per request, named ehc-<case ref>, from receipt to final plan.

A reconcile loop. Each pass looks at the case (doing whatever is due, once),
sends the emails the look queued, then suspends (the process ends; no worker is
held) until a signal resumes it:
a decision entered in the UI, a write by the CLI, API or portal, or the sweep
when a due moment passes. On resume Prefect replays the function from the top;
the look repeats nothing, and the suspend whose key already fired hands back
what the coordinator entered.
"""

from __future__ import annotations

import re

from prefect import flow

from ehcp.runtime.suspension import suspend_with_message
from flows.inputs import entry_from, form_for
from tasks.case import apply_coordinator_entry, look_at_case, send_case_messages

CASE_REF = re.compile(r"EHC-\d{4}-\d{6}")


@flow(
    name="ehc-request",
    flow_run_name="ehc-{case_ref}",
    persist_result=True,
    log_prints=False,
    description="One request for an EHC needs assessment, from receipt to final plan.",
)
def ehc_request(case_ref: str) -> str:
    # The only parameter is the reference; refuse anything else, which might be a name.
    if not CASE_REF.fullmatch(case_ref):
        raise ValueError("case_ref must look like EHC-2026-000123")
    while True:
        look = look_at_case(case_ref)
        sent = send_case_messages(case_ref)
        if sent.failed or sent.told_family:
            # Look again at once: the coordinator must hear of a refused email, and a letter
            # that reached the family has met a limit or started the family's 15 days.
            continue
        if look.closed:
            return look.stage
        entered = suspend_with_message(
            form_for(look.stage), key=f"wait-{look.wait_number}", message=look.waiting_message
        )
        apply_coordinator_entry(case_ref, look.wait_number, entry_from(entered))
