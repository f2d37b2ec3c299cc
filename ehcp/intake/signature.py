"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

Headers: `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`,
a space-separated list of `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` so a
sender can sign with an old and a new secret while rotating. Secrets are
`whsec_` + base64. Written here rather than taken from the `standardwebhooks`
package because its timestamp tolerance is fixed; the tests sign with that
package, so the two implementations check each other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from datetime import datetime

PREFIX = "whsec_"
# A webhook id is kept (the submission row) and logged: visible ASCII only, no spaces.
WEBHOOK_ID = re.compile(r"[\x21-\x7e]{1,200}")


class SignatureError(ValueError):
    """Why a delivery was not accepted as signed (safe to log: no payload in it)."""


def decode_secret(secret: str) -> bytes:
    if not secret.startswith(PREFIX):
        raise ValueError("a webhook secret starts with 'whsec_'")
    try:
        key = base64.b64decode(secret.removeprefix(PREFIX), validate=True)
    except ValueError as error:
        raise ValueError("a webhook secret is 'whsec_' followed by base64") from error
    if not 24 <= len(key) <= 64:
        raise ValueError("a webhook secret holds 24 to 64 random bytes")
    return key


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(decode_secret(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(
    headers: Mapping[str, str],
    body: bytes,
    *,
    secrets: Iterable[str],
    tolerance_seconds: int,
    now: datetime,
) -> str:
    """Return the webhook id of a genuine, timely delivery; raise SignatureError otherwise."""
    webhook_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not (webhook_id and timestamp and signatures):
        raise SignatureError("missing webhook-id, webhook-timestamp or webhook-signature header")
    if len(webhook_id) > 200:
        raise SignatureError("webhook-id too long")
    if not WEBHOOK_ID.fullmatch(webhook_id):
        raise SignatureError("webhook-id is not printable ASCII")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise SignatureError("webhook-timestamp is not Unix seconds") from None
    if abs(now.timestamp() - sent_at) > tolerance_seconds:
        raise SignatureError("webhook-timestamp outside the tolerance")
    offered = [item.partition(",")[2] for item in signatures.split() if item.startswith("v1,")]
    expected = [sign(secret, webhook_id, sent_at, body).partition(",")[2] for secret in secrets]
    # Compare every pair in constant time; never stop at the first mismatch.
    if not any(hmac.compare_digest(mine, theirs) for mine in expected for theirs in offered):
        raise SignatureError("no valid v1 signature")
    return webhook_id
