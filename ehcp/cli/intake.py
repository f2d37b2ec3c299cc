"""`ehcp intake send FILE`: sign a payload and send it to the intake webhook, as a form would."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Annotated

import httpx
import typer

from ehcp.cli.common import fail, settings, stdout
from ehcp.intake.signature import sign

app = typer.Typer(help="The intake webhook.", no_args_is_help=True)


@app.command()
def send(
    file: Annotated[Path, typer.Argument(help="A JSON payload, e.g. examples/intake-request.json.")],
    url: Annotated[str | None, typer.Option(help="Default: the local web app's /webhooks/intake.")] = None,
    webhook_id: Annotated[str | None, typer.Option(help="Repeat one to test a redelivery.")] = None,
) -> None:
    """Sign FILE with EHC_INTAKE_WEBHOOK_SECRET and POST it; print the answer."""
    current = settings()
    try:
        body = file.read_bytes()
        json.loads(body)
    except OSError as error:
        fail(f"FILE: cannot read {file}: {error.strerror}")
    except ValueError as error:
        fail(f"FILE: {file} is not JSON: {error}")
    message_id = webhook_id or f"msg_{uuid.uuid4().hex}"
    timestamp = int(time.time())
    headers = {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(
            current.intake_webhook_secret.get_secret_value(), message_id, timestamp, body
        ),
    }
    target = url or f"{current.web_url}/webhooks/intake"
    try:
        response = httpx.post(target, content=body, headers=headers, timeout=30)
    except httpx.HTTPError as error:
        fail(f"could not reach {target}: {error}")
    stdout.print(f"{response.status_code} {response.reason_phrase} (webhook-id {message_id})")
    stdout.print_json(response.text)
    if response.status_code >= 400:
        raise typer.Exit(1)
