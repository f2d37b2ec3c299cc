"""Every 422 the web app gives for refused input: the field's path and what is wrong, never
the value. FastAPI's own answer echoes the input (`input`, and `ctx` may carry it too),
and some of pydantic's messages quote it (an email address's error quotes the address's
parts): what someone typed about a child goes no further than the model that refused it.

`register(app)` installs the handler for FastAPI's RequestValidationError (a request's
body, path, query or form); the intake webhook, which reads its body raw, builds its
answer with `problems()` too. A pydantic ValidationError raised inside an endpoint is
left a server error on purpose: it is the server's own bug, not the caller's input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

# pydantic's messages for these types quote the value (or may): each gets a fixed message.
FIXED_MESSAGES = {
    "value_error.email": "value is not a valid email address",
    "url_parsing": "not a valid URL",
    "url_scheme": "not a valid URL",
    "url_syntax_violation": "not a valid URL",
}
_WORD = re.compile(r"[^\W_]{4,}")


def problems(errors: Iterable[Any], *, prefix: Sequence[str | int] = ()) -> list[dict[str, Any]]:
    """Pydantic error dicts as `{"loc", "msg", "type"}`: the input and context dropped, and a
    message that would repeat the value replaced by one that does not."""
    return [
        {
            "loc": [*prefix, *_location(error.get("loc", ()))],
            "msg": _message(error),
            "type": error.get("type", "value_error"),
        }
        for error in errors
    ]


_NAME = re.compile(r"[A-Za-z0-9_]{1,40}")


def _location(loc: Sequence[Any]) -> list[str | int]:
    """The path to the field, without what the caller wrote: a dict's key in the path (a key
    refused, followed by pydantic's "[key]") is left out, and any part that is not a field
    name or an index reads "[key]"."""
    path: list[str | int] = []
    for part, following in zip(loc, [*loc[1:], None], strict=True):
        if following == "[key]":
            continue
        if isinstance(part, int) or part == "[key]" or _NAME.fullmatch(str(part)):
            path.append(part)
        else:
            path.append("[key]")
    return path


def _message(error: Any) -> str:
    kind = error.get("type", "")
    message = str(error.get("msg", ""))
    if kind == "value_error" and message.startswith("value is not a valid email address"):
        return FIXED_MESSAGES["value_error.email"]
    if kind in FIXED_MESSAGES:
        return FIXED_MESSAGES[kind]
    if _echoes(message, error.get("input"), error.get("ctx")):
        return "invalid value"
    return message.removeprefix("Value error, ")


def _echoes(message: str, value: Any, context: Any) -> bool:
    """Whether the message repeats a word of four letters or more of the value (one the
    message was not going to say anyway, such as an allowed choice)."""
    if not isinstance(value, str) or not value:
        return False
    allowed = " ".join(str(item) for item in (context or {}).values())
    return any(word in message and word not in allowed for word in _WORD.findall(value))


async def _request_invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return _unprocessable(problems(exc.errors()))


def _unprocessable(detail: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse(status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, content={"detail": detail})


def register(app: FastAPI) -> None:
    """Answer every refused input with the field named and the value never echoed."""
    app.add_exception_handler(RequestValidationError, _request_invalid)
