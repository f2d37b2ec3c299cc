"""The notice a stopped run leaves as its case's timeline artifact in the Prefect UI.

The run that would refresh the timeline is the one that keeps failing, so the sweep
writes this version: that the case has stopped moving, why (an error id, never the
error's text, which may quote data), what to do, and the statutory limits as they stand,
so a coordinator sees what is at risk while it is fixed. The next healthy look replaces it.
"""

from __future__ import annotations

from ehcp.domain.clock import Timeline
from ehcp.views.timeline import limits_table


def stopped_markdown(case_ref: str, *, attempts: int, error_id: str | None, timeline: Timeline | None) -> str:
    """`timeline`: None when the case record cannot be read into one (often the very fault)."""
    error = f"error id `{error_id}`" if error_id else "no error id was recorded"
    lines = [
        f"# {case_ref}: STOPPED, nothing moves on by itself",
        "",
        f"The case's run failed {attempts} times in a row ({error}, in var/log/ehcp.log on the "
        "machine that ran it) and the sweep has stopped requeueing it. The SEND team has been told.",
        "",
        "No letter, reminder or warning goes out for this case until it runs again, and its "
        "statutory limits keep counting. Record what happens by hand meanwhile, and:",
        "",
        "1. give the error id to whoever supports this service, to fix the cause;",
        f"2. once fixed, run `ehcp run retry {case_ref}`: the run starts again from the case "
        "record and does whatever has fallen due, once.",
        "",
    ]
    if timeline is None:
        lines.append(
            "The statutory limits could not be worked out from the case record (most likely the same "
            "fault): read them with `ehcp timeline --case " + case_ref + "` once it is fixed."
        )
    else:
        lines += [f"Judged as of {timeline.today}.", "", *limits_table(timeline)]
    return "\n".join(lines) + "\n"
