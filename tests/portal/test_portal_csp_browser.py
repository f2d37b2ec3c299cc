"""The portal under its Content-Security-Policy, in headless Chromium: no inline script is
left for the policy to block, GOV.UK Frontend still marks the page supported and starts its
components (the error summary takes focus), and the browser reports no violation."""

from __future__ import annotations

import time

import pytest

from tests.portal.conftest import PDF
from tests.support.browser import browser_page

pytestmark = pytest.mark.slow

# Runs before any of the page's own scripts (injected by the browser, so the CSP does not apply).
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""
INJECT_INLINE_SCRIPT = """() => {
  const script = document.createElement("script");
  script.textContent = "window.__ran = 1";
  document.body.appendChild(script);
  return window.__ran ?? null;
}"""


def test_the_portal_runs_gov_uk_frontend_with_no_csp_violation(assessing):
    with browser_page() as page:
        messages: list[str] = []
        page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))
        page.add_init_script(WATCH_VIOLATIONS)
        response = page.goto(assessing.url + assessing.link())
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert response.headers["x-content-type-options"] == "nosniff"
        classes = page.evaluate("document.body.className")
        assert "js-enabled" in classes and "govuk-frontend-supported" in classes
        page.get_by_role("button", name="Continue").click()
        page.locator(".govuk-error-summary").wait_for()
        # GOV.UK Frontend's ErrorSummary focuses itself once initAll() has run.
        wait_in_page(page, "document.activeElement.classList.contains('govuk-error-summary')")
        page.get_by_label("Section C:").fill("Hearing loss, both ears.")
        page.get_by_label("Upload your advice").set_input_files(
            {"name": "report.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("button", name="Send advice").click()
        page.get_by_role("heading", name="Advice sent").wait_for()
        violations = page.evaluate("window.__violations")
        messages_so_far = list(messages)
        # The watch works and the policy holds: an injected inline script does not run.
        ran = page.evaluate(INJECT_INLINE_SCRIPT)
        wait_in_page(page, "window.__violations.length > 0")
        assert ran is None and page.evaluate("window.__violations") == ["script-src-elem inline"]
    assert violations == []
    problems = [
        m
        for m in messages_so_far
        if (m.startswith(("error", "pageerror")) and "status of 400" not in m) or "Content Security" in m
    ]
    assert problems == []


def wait_in_page(page, expression: str, timeout: float = 15.0) -> None:
    """Poll `expression` with page.evaluate. Not page.wait_for_function: its string
    predicate is compiled in the page, which this page's CSP (no 'unsafe-eval') refuses,
    now and then (a CI run failed on it); page.evaluate is the browser's own call."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {expression}")
        time.sleep(0.1)
