"""Drive the real Prefect 3.8.8 UI (`prefect server start`) as a coordinator would.

Targets the UI that a fresh browser gets at the server's root: the "v2" UI under /v2 (the
older v1 UI still answers at /runs etc. and is not covered here). Pages and routes:

    /v2/runs                          runs list, with "Search by flow run name"
    /v2/runs/flow-run/<id>            a flow run; tabs Logs, Artifacts, ...; menu with Resume
    /v2/artifacts/key/<key>           every version of an artifact key, newest first
    /v2/artifacts/artifact/<id>       one artifact version, rendered

Selectors are roles, labels and visible text where the UI gives them, since those are what a
person sees and survive restyling (the v2 UI's classes are Tailwind utilities). Where it gives
none, a route in a link's href or a data-testid the UI's own tests use is named instead.

Never press Escape on a flow run page: the run graph takes the key and goes full screen over
the page, and Radix then drops the Resume dialog's role; menus and pickers are closed by
clicking their trigger instead.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

from playwright.sync_api import Locator, Page, expect

FieldValue = str | bool | int | float | dt.date | enum.Enum | None

RESUME_DIALOG = "Resume Flow Run"


def ui_root(server_url: str) -> str:
    """The v2 UI's root for a server URL, given as http://host:port[/] or its .../api URL."""
    root = server_url.rstrip("/").removesuffix("/api")
    return f"{root}/v2"


def open_flow_run(page: Page, server_url: str, run_name: str) -> str:
    """Find a flow run by its exact name on the Runs page, open it, and return its id.

    Runs with the same name are listed newest first, and the newest is opened.
    """
    page.goto(f"{ui_root(server_url)}/runs")
    # The list shows only the past 7 days by default, and a case may have waited for months.
    page.get_by_role("button", name="Clear date range").click()
    page.get_by_role("textbox", name="Search by flow run name").fill(run_name)
    page.get_by_role("link", name=run_name, exact=True).first.click()
    page.wait_for_url(re.compile(r"/runs/flow-run/[0-9a-f-]+"))
    # The URL changes before the page is drawn: wait for the run's name in the breadcrumb.
    expect(_breadcrumb(page).get_by_text(run_name, exact=True)).to_be_visible()
    return urlsplit(page.url).path.rsplit("/", 1)[-1]


def flow_run_state(page: Page) -> str:
    """The state name (e.g. "Suspended", "Running") shown on the open flow run page."""
    return _state_badge(page).inner_text().strip()


def wait_for_state(page: Page, state: str, timeout_s: float = 60) -> None:
    """Wait until the open flow run page shows the given state; the page polls the API."""
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
    expect(rendered).to_be_visible()
    return rendered.inner_text()


def resume_flow_run(page: Page, values: Mapping[str, FieldValue], *, timeout_s: float = 60) -> None:
    """On the open page of a suspended flow run, click Resume, fill the form and submit it.

    `values` maps a field to its value. A key is the field's label as the form shows it, less
    " (Optional)" ("Decided On"), or the field's Python name ("decided_on"), which is turned
    into pydantic's default title. Fields left out keep the form's defaults. Values:
    None picks None on an `X | None` field; str is typed, or chosen from an enum's list;
    bool sets a switch; int/float a number; date is typed as yyyy-MM-dd. datetime is not
    supported (the UI offers only a calendar and 5-minute clock buttons).

    Raises AssertionError with the UI's message if the server rejects the input.
    """
    dialog = _open_resume_dialog(page, timeout_s)
    for name, value in values.items():
        _fill_field(page, _field(page, dialog, _title(name)), value)
    dialog.get_by_role("button", name="Resume", exact=True).click()

    # Success closes the dialog; a rejected input (checked against the run's schema by the
    # server) leaves it open and shows an error toast (sonner), which fades after ~4 s.
    error = page.locator('[data-sonner-toast][data-type="error"]')
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if error.count():
            raise AssertionError(f"Prefect refused the input: {error.first.inner_text()}")
        if not dialog.count():
            return
        page.wait_for_timeout(100)
    raise AssertionError("the Resume dialog neither closed nor showed an error")


def _breadcrumb(page: Page) -> Locator:
    return page.get_by_role("navigation", name="breadcrumb")


def _header(page: Page) -> Locator:
    # The innermost block holding the breadcrumb: the run's name, state badge, dates.
    return page.locator("div").filter(has=_breadcrumb(page)).last


def _state_badge(page: Page) -> Locator:
    # The badge has no role or label; it is the first badge under the run's name.
    return _header(page).locator('[data-slot="badge"]').first


def _open_resume_dialog(page: Page, timeout_s: float) -> Locator:
    # Resume is in the run's "Open menu" only once the page has seen the run suspended, and the
    # page polls, so a run that suspended just now may need a reload.
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
        except Exception:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no Resume in the run's menu (state {flow_run_state(page)!r})"
                ) from None
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
