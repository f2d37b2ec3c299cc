"""Headless Chromium for tests that use a web page as a person would.

Uses Debian's chromium (`apt-get install chromium`) driven by the `playwright` package from
PyPI. Playwright's own browser download (`playwright install`) cannot reach its host from these
machines, so it is never used: the browser is launched from CHROMIUM by path.

Missing pieces skip the test on a developer's machine and fail it where a browser is required
(CI, or EHC_REQUIRE_BROWSER set), so a machine without a browser cannot pass CI by skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

CHROMIUM = Path("/usr/bin/chromium")

# Without the background-networking flags Chromium phones home (updates, sync, field trials) and
# this machine's closed network refuses those connections, which stalls start-up.
LAUNCH_ARGS = (
    "--no-sandbox",  # we run as root in a container; Chromium's sandbox refuses root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

# The page may only talk to this machine. Prefect's v2 UI loads analytics from the internet even
# with PREFECT_SERVER_ANALYTICS_ENABLED=false; those requests are aborted before any DNS lookup.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

INSTALL_HINT = "apt-get install -y chromium && pip install playwright"


def _missing(reason: str) -> NoReturn:
    if os.environ.get("CI") or os.environ.get("EHC_REQUIRE_BROWSER"):
        pytest.fail(f"{reason} (needed because CI or EHC_REQUIRE_BROWSER is set; {INSTALL_HINT})")
    pytest.skip(f"{reason} ({INSTALL_HINT})")


def _is_loopback(url: str) -> bool:
    return urlsplit(url).hostname in LOOPBACK_HOSTS


def _abort(route: Route) -> None:
    route.abort()


@contextmanager
def browser_page(
    *,
    width: int = 1400,
    height: int = 1000,
    timezone_id: str = "Europe/London",
    timeout_ms: float = 15_000,
) -> Iterator[Page]:
    """Yield a fresh Page in a new headless Chromium; the browser is closed afterwards.

    Each call is a new browser profile: no cookies (so Prefect's UI opens its default version)
    and no saved filters. Uses Playwright's sync API, so call it from a plain (non-async) test.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed")
    if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
        _missing(f"no Chromium at {CHROMIUM}")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(LAUNCH_ARGS)
        )
        try:
            context = browser.new_context(
                viewport={"width": width, "height": height}, timezone_id=timezone_id
            )
            context.route(lambda url: not _is_loopback(url), _abort)
            context.set_default_timeout(timeout_ms)
            yield context.new_page()
        finally:
            browser.close()
