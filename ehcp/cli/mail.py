"""`ehcp mail`: the local SMTP server and sending the outbox by hand."""

from __future__ import annotations

import typer
from rich.markup import escape

from ehcp import timesource
from ehcp.cli.common import council, settings, stdout

app = typer.Typer(help="Email: the local SMTP server and the outbox.", no_args_is_help=True)


@app.command("serve")
def serve() -> None:
    """Run the development SMTP server: every email is saved under var/mail/ (`ehcp up` runs it)."""
    from ehcp.mail.local_server import run_local_mail_server

    current = settings()
    stdout.print(
        f"Local SMTP server on {current.smtp_host}:{current.smtp_port}, saving to {current.mail_dir}"
    )
    run_local_mail_server(current)


@app.command("send")
def send() -> None:
    """Send every message due in the outbox now (the sweep does this every 15 minutes).

    Exits 1 when the relay refused a message for good (its case's run tells the coordinator)."""
    from ehcp.db.engine import database
    from ehcp.mail.delivery import deliver_sync
    from ehcp.mail.transport import SmtpTransport

    current = settings()
    with database() as session:
        report = deliver_sync(
            session,
            transport=SmtpTransport(current),
            council=council(current),
            settings=current,
            now=timesource.now(),
        )
    counts = report.counts
    stdout.print(
        f"Sent {counts.sent}, deferred {counts.deferred} (will retry), "
        f"failed {counts.failed}, waiting for a document {counts.waiting}."
    )
    # Keys and SMTP replies only (addresses are stripped from replies): safe on a terminal.
    for key, error in report.errors.items():
        stdout.print(f"  {key}: {escape(error)}", soft_wrap=True)
    if report.failed:
        raise typer.Exit(1)
