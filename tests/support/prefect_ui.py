"""Drive the real Prefect 3.8.8 UI (`prefect server start`) as a coordinator would.

Targets the UI that a fresh browser gets at the server's root: the "v2" UI under /v2. The older
v1 UI still answers at /runs, /runs/flow-run/<id> etc. (the "View at" links in Prefect's logs
point there) and is not covered here. v2 pages:

    /v2/runs                          runs list, with "Search by flow run name"
    /v2/runs/flow-run/<id>            a flow run: state, tabs (Logs, Artifacts, ...), and a
                                      menu ("Open menu") holding Resume while it is suspended
    /v2/artifacts/key/<key>           every version of an artifact key, newest first
    /v2/artifacts/artifact/<id>       one artifact version, rendered

Selectors are roles, labels and visible text where the UI gives them: that is what a person
sees, and it survives restyling (the v2 UI's classes are Tailwind utilities). Where the UI gives
none, a route in a link's href, a data-testid or a data-slot of its component library is used.

Never press Escape on a flow run page: the run graph takes the key and covers the page, and an
open dialog loses its role. Menus and pickers are closed by clicking their trigger instead.

Playwright's sync API runs an event loop, so inside `browser_page()` Prefect's dual sync/async
functions (run_deployment, ...) return coroutines: pass `_sync=True` or call them outside.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect
except ImportError:  # importable without playwright: browser_page() skips or fails the test
    pass

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

FieldValue = str | bool | int | float | dt.date | enum.Enum | None

RESUME_DIALOG = "Resume Flow Run"
PAUSED_STATES = re.compile(r"^(Suspended|Paused)$")
# Every state name Prefect shows; tags are badges too, so the state badge is found by its text.
STATE_NAMES = re.compile(
    r"^(Scheduled|Late|AwaitingRetry|AwaitingConcurrencySlot|Pending|Running|Retrying|Paused|"
    r"Suspended|Resuming|Completed|Cached|RolledBack|Failed|Crashed|Cancelling|Cancelled|TimedOut)$"
)


def ui_root(server_url: str) -> str:
    """The v2 UI's root for a server URL, given as http://host:port[/] or its .../api URL."""
    root = server_url.rstrip("/").removesuffix("/api")
    return f"{root}/v2"


def open_flow_run(page: Page, server_url: str, run_name: str, *, timeout_s: float = 60) -> str:
    """Find a flow run by its exact name on the Runs page, open it, and return its id.

    Runs with the same name are listed newest first, and the newest is opened. A run made from
    a deployment gets its flow_run_name only once it starts, so the search is retried.
    """
    link = page.get_by_role("link", name=run_name, exact=True).first
    deadline = time.monotonic() + timeout_s
    while True:
        page.goto(f"{ui_root(server_url)}/runs")
        # The list shows only the past 7 days by default; a case may have waited for months.
        page.get_by_role("button", name="Clear date range").click()
        page.get_by_role("textbox", name="Search by flow run name").fill(run_name)
        try:
            link.wait_for(timeout=5000)
            break
        except PlaywrightTimeout:
            if time.monotonic() > deadline:
                raise AssertionError(f"no flow run named {run_name!r} on the Runs page") from None
    link.click()
    page.wait_for_url(re.compile(r"/runs/flow-run/[0-9a-f-]+"))
    # The URL changes before the page is drawn: wait for the run's name in the breadcrumb.
    expect(_breadcrumb(page).get_by_text(run_name, exact=True)).to_be_visible()
    return urlsplit(page.url).path.rsplit("/", 1)[-1]


def flow_run_state(page: Page) -> str:
    """The state name (e.g. "Suspended", "Running") shown on the open flow run page."""
    return _state_badge(page).inner_text().strip()


def wait_for_state(page: Page, state: str, timeout_s: float = 60) -> None:
    """Wait until the open flow run page shows this state (it polls the API every 5 s)."""
    expect(_state_badge(page)).to_have_text(state, timeout=timeout_s * 1000)


def artifact_text(page: Page, key: str) -> str:
    """From the open flow run page, open the newest version of the artifact with this key and
    return its rendered text (markdown artifacts only). Leaves the page on that artifact."""
    page.get_by_role("tab", name="Artifacts").click()
    # Each card links to the key's page and shows the key as its heading.
    page.get_by_role("link").filter(has=page.get_by_role("heading", name=key, exact=True)).click()
    page.wait_for_url(re.compile(r"/artifacts/key/"))
    # Versions are listed newest first, each linked by a short id that a test cannot know.
    page.locator('a[href*="/artifacts/artifact/"]').first.click()
    page.wait_for_url(re.compile(r"/artifacts/artifact/"))
    rendered = page.get_by_test_id("markdown-display")
    # The block is drawn empty first and filled when the artifact's data arrives.
    expect(rendered).to_have_text(re.compile(r"\S"))
    return rendered.inner_text()


def resume_flow_run(page: Page, values: Mapping[str, FieldValue], *, timeout_s: float = 60) -> None:
    """On the open page of a suspended flow run, click Resume, fill the form and submit it.

    `values` maps a field to its value. A key is the field's label as the form shows it, less
    " (Optional)" ("Decided On"), or the field's Python name ("decided_on"), which is turned
    into pydantic's default title. Fields left out keep the form's defaults. Values:
    None picks None on an `X | None` field; str is typed, or chosen from an enum's list;
    bool sets a switch; int/float a number; date is typed as yyyy-MM-dd. datetime is not
    supported (the UI offers only a calendar and 5-minute clock buttons).

    Returns once the page shows the run no longer suspended ("Resuming"), or after 10 s if
    the run was quick enough to suspend again unseen; check the outcome in the case store.
    Raises AssertionError with the UI's message if the server rejects the input.
    """
    dialog = _open_resume_dialog(page, timeout_s)
    for name, value in values.items():
        _fill_field(page, _field(page, dialog, _title(name)), value)
    dialog.get_by_role("button", name="Resume", exact=True).click()

    # Success closes the dialog; a rejected input (the server checks it against the run's
    # schema) leaves it open and shows an error toast (sonner), which fades after ~4 s.
    error = page.locator('[data-sonner-toast][data-type="error"]')
    deadline = time.monotonic() + 15
    while dialog.count():
        if error.count():
            raise AssertionError(f"Prefect refused the input: {error.first.inner_text()}")
        if time.monotonic() > deadline:
            raise AssertionError("the Resume dialog neither closed nor showed an error")
        page.wait_for_timeout(100)
    # Resuming refetches the run at once, and it needs seconds to start and suspend again,
    # so the badge normally leaves "Suspended" for a while. But a short look can resume, run
    # and suspend again between two of the UI's polls, and then the badge never changes:
    # that is success too, so a badge still "Suspended" after 10 s is not an error here.
    # Callers check the outcome where it is recorded (the case store), not on the badge.
    with contextlib.suppress(AssertionError):
        expect(_state_badge(page)).not_to_have_text(PAUSED_STATES, timeout=10_000)


def _breadcrumb(page: Page) -> Locator:
    return page.get_by_role("navigation", name="breadcrumb")


def _header(page: Page) -> Locator:
    # Every ancestor of the breadcrumb matches and they come outermost first: the last is the
    # innermost, the block with the run's name, state badge and dates.
    return page.locator("div").filter(has=_breadcrumb(page)).last


def _state_badge(page: Page) -> Locator:
    # The badge has no role or label. The run's tags are badges too (ours carry "ehc" and
    # "stage:..."), so take the first badge under the run's name whose text is a state name.
    return _header(page).locator('[data-slot="badge"]').filter(has_text=STATE_NAMES).first


def _open_resume_dialog(page: Page, timeout_s: float) -> Locator:
    # Resume is in the run's menu only once the page has seen the run suspended. The page polls
    # every 5 s, but a reload is quicker and also covers a page opened on a finished run.
    menu = (
        page.locator("div")
        .filter(has=_breadcrumb(page))
        .filter(has=page.get_by_role("button", name="Open menu"))
        .last.get_by_role("button", name="Open menu")
    )
    resume = page.get_by_role("menuitem", name="Resume", exact=True)
    deadline = time.monotonic() + timeout_s
    while True:
        menu.click()
        try:
            resume.wait_for(timeout=3000)
            break
        except PlaywrightTimeout:
            if time.monotonic() > deadline:
                state = flow_run_state(page)
                raise AssertionError(f"no Resume in the run's menu (state {state!r})") from None
            page.reload()
    resume.click()
    dialog = page.get_by_role("dialog", name=RESUME_DIALOG)
    expect(dialog).to_be_visible()
    return dialog


def _title(name: str) -> str:
    if name.isidentifier() and name == name.lower():
        return name.replace("_", " ").title()  # pydantic's default field title
    return name


def _field(page: Page, dialog: Locator, title: str) -> Locator:
    """The block of the form that holds one field: its label, menu and inputs."""
    text = re.compile(rf"^{re.escape(title)}( \(Optional\))?$")
    # The form is drawn once the run's input schema has loaded: wait for the label.
    expect(dialog.locator("label").filter(has_text=text)).to_be_visible()
    # Locators inside has= are resolved from the outer element, so this one starts at the page.
    label = page.locator("label").filter(has_text=text)
    # Every ancestor of the label matches; the innermost one that also holds a fieldset (the
    # inputs) is the field's own block.
    return dialog.locator("div").filter(has=label).filter(has=page.locator("fieldset")).last


def _fill_field(page: Page, field: Locator, value: FieldValue) -> None:
    # An `X | None` field shows tabs, one per type ("date", "str", ..., "None").
    tabs = field.get_by_role("tab")
    if value is None:
        field.get_by_role("tab", name="None", exact=True).click()
        return
    if tabs.count():
        tabs.filter(has_not_text=re.compile(r"^None$")).first.click()

    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):  # before int: bool is an int
        field.get_by_role("switch").set_checked(value)
    elif isinstance(value, dt.datetime):  # before date: datetime is a date
        raise NotImplementedError("datetime fields are not supported by resume_flow_run")
    elif isinstance(value, dt.date):
        _pick_date(page, field, value)
    elif isinstance(value, int | float):
        field.get_by_role("spinbutton").fill(str(value))
    else:
        choices = field.locator('button[aria-haspopup="listbox"]')  # an enum's "Select X"
        if choices.count():
            choices.click()
            page.get_by_role("option", name=value, exact=True).click()
        else:
            field.get_by_role("textbox").fill(value)


def _pick_date(page: Page, field: Locator, value: dt.date) -> None:
    # The field's button ("Pick a date", later the chosen date in words) opens a popover with a
    # calendar and a typed yyyy-MM-dd box; typing is exact and needs no month navigation.
    trigger = field.locator('button[aria-haspopup="dialog"]')
    trigger.click()
    box = page.get_by_label("Date (yyyy-MM-dd)")
    box.fill(value.isoformat())
    trigger.click()  # closes the popover
    expect(box).to_be_hidden()
