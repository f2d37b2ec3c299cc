"""Any failure a route did not expect (the database down, a driver refusing a value, a
bug) is answered 500 with an error id, as the flow tasks do: the whole error goes to
var/log/ehcp.log, the caller and the server's own log see only the id.

A pure ASGI middleware rather than an exception handler: Starlette re-raises what a
handler for Exception answered so that the server logs it, traceback and all."""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ehcp.error_log import record_failure


class FailuresAnsweredWithAnId:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        answered = False

        async def noting_send(message: Message) -> None:
            nonlocal answered
            answered = answered or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, noting_send)
        except Exception:  # noqa: BLE001 - every failure is logged under an id, none shown
            # The route's template (/portal/{token}), never the path: a path can carry a
            # portal token or a case reference someone typed.
            route = getattr(scope.get("route"), "path", "an unmatched path")
            error_id = record_failure(f"{scope['method']} {route}")
            if answered:  # the response had begun: all that is left is to end it
                return
            response = JSONResponse(
                {
                    "detail": f"something went wrong on our side: quote error id {error_id} to the SEND team",
                    "error_id": error_id,
                },
                status_code=500,
            )
            await response(scope, receive, send)
