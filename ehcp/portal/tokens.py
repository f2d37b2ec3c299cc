"""Signed, expiring links that open exactly one advice request.

The token carries the advice request's id and the last day it works, signed with
EHC_SECRET_KEY (itsdangerous). Expiry is checked against the injected clock's
`today`, not the wall clock, so tests can drive a case through 20 weeks. A token
holds no personal data: an id and a date.
"""

from __future__ import annotations

from datetime import date

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "ehcp.portal.advice"
# Row ids are 32-bit integers in PostgreSQL; a larger id in a token names no row (and would
# overflow the query), so it is refused like a forged link.
MAX_ID = 2**31 - 1


class TokenError(ValueError):
    """The link cannot be used; `reason` is safe to show on the page."""

    reason = "This link is not valid."


class TokenInvalid(TokenError):
    reason = "This link is not valid. Check you copied the whole link from the email."


class TokenExpired(TokenError):
    reason = "This link has expired. Contact the SEND team for a new one."


def make_token(advice_request_id: int, *, expires_on: date, secret: str) -> str:
    return URLSafeSerializer(secret, salt=SALT).dumps({"a": advice_request_id, "e": expires_on.isoformat()})


def read_token(token: str, *, today: date, secret: str) -> int:
    """The advice request id the token opens; raises TokenInvalid or TokenExpired."""
    try:
        payload = URLSafeSerializer(secret, salt=SALT).loads(token)
        advice_request_id, expires_on = payload["a"], date.fromisoformat(payload["e"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise TokenInvalid() from None
    if type(advice_request_id) is not int or not 1 <= advice_request_id <= MAX_ID:
        raise TokenInvalid()
    if today > expires_on:
        raise TokenExpired()
    return advice_request_id


def advice_link(advice_request_id: int, *, advice_due_on: date, settings) -> str:
    """The URL a contributor follows; it works until `portal_link_grace_days` after the due date."""
    from datetime import timedelta

    token = make_token(
        advice_request_id,
        expires_on=advice_due_on + timedelta(days=settings.portal_link_grace_days),
        secret=settings.secret_key.get_secret_value(),
    )
    return f"{settings.effective_public_url}/portal/advice/{token}"
