"""The `ehcp` command."""

from __future__ import annotations

import sys

import typer

from ehcp.cli import cases, db, demo, documents, exceptions, finalising, intake, mail, plan, post, reports
from ehcp.cli.budget import app as budget_app
from ehcp.cli.common import council, stderr, stdout
from ehcp.cli.imports import import_caseload
from ehcp.cli.runs import app as run_app
from ehcp.cli.timeline import timeline
from ehcp.cli.up import serve, up, web
from ehcp.error_log import record_failure

app = typer.Typer(
    help="EHC needs assessments: statutory timelines, the case database and the services.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command()(timeline)
app.command()(up)
app.command()(serve)
app.command()(web)
app.command("import")(import_caseload)
app.add_typer(db.app, name="db")
for command in (
    cases.decide,
    cases.draft_served,
    cases.consult,
    cases.consult_answer,
    finalising.requested_school,
    finalising.meeting,
    finalising.name_setting,
    finalising.finalise,
    cases.withdraw,
    cases.nudge,
    cases.cases,
    cases.assign,
    cases.chronology,
    cases.confirm_received,
    reports.kpi,
    reports.sen2,
    demo.demo,
):
    app.command()(command)
cases.advice_app.command("gap")(finalising.advice_gap)
app.add_typer(cases.advice_app, name="advice")
app.add_typer(exceptions.app, name="exception")
app.add_typer(intake.app, name="intake")
app.add_typer(mail.app, name="mail")
app.add_typer(documents.app, name="documents")
app.add_typer(plan.app, name="plan")
app.add_typer(budget_app, name="budget")
app.add_typer(post.app, name="post")
app.add_typer(reports.report_app, name="report")
app.add_typer(run_app, name="run")

config_app = typer.Typer(help="The council's configuration files.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("check")
def config_check() -> None:
    """Load and check every council configuration file; name the file, line and field at fault."""
    loaded = council()
    calendars = ", ".join(sorted(loaded.calendars))
    stdout.print(f"{loaded.name}: configuration is valid (term calendars: {calendars}).")


def main() -> None:
    """The installed `ehcp` command: `app`, with any unexpected failure (the database
    down, a bug) told by an error id, the traceback in var/log/ehcp.log. A traceback on
    the terminal could quote a child's details from a database or validation error."""
    try:
        app()
    except Exception as error:  # noqa: BLE001 - logged under an id, never shown
        command = next((word for word in sys.argv[1:] if not word.startswith("-")), "")
        try:
            error_id = record_failure(f"ehcp {command}".strip())
        except Exception:  # noqa: BLE001 - the log itself failed: say so, without the error
            stderr.print(f"[bold red]Error:[/] {type(error).__name__}; it could not be logged either")
        else:
            stderr.print(
                f"[bold red]Error:[/] something went wrong ({type(error).__name__}, error id {error_id}); "
                "the details are in var/log/ehcp.log"
            )
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
