"""The one place domain code gets the time from, so tests can move it.

Statutory dates are local (England) calendar dates, so `today()` is the date in
Europe/London, not in UTC. A process started with EHC_FROZEN_NOW set (an ISO
timestamp with offset) sees that instant instead of the system clock; with
EHC_CLOCK_FILE set, it reads the instant from that file at every call, so a
test can move the time of processes it started (a served flow, say) as it goes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

Source = Callable[[], datetime]


def _system_now() -> datetime:
    clock_file = os.environ.get("EHC_CLOCK_FILE")
    if clock_file:
        return parse_instant(Path(clock_file).read_text(encoding="utf-8").strip())
    frozen = os.environ.get("EHC_FROZEN_NOW")
    if frozen:
        return parse_instant(frozen)
    return datetime.now(UTC)


_source: Source = _system_now


def parse_instant(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"a frozen time needs a UTC offset, e.g. 2026-01-05T09:00:00+00:00; got {text!r}")
    return value.astimezone(UTC)


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return _source()


def wall_clock() -> datetime:
    """The real time, for operational checks against other machines' clocks (a webhook's
    timestamp, how long a worker has been silent): never moved by tests or demos."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date in England."""
    return london_date(now())


# -- the named conversions: the only places an instant becomes a day or back ----------
# Statutory days are days in England. `instant.date()` on a UTC instant gives the wrong
# day between midnight and 01:00 in summer (BST), so nothing else converts.


def london_date(instant: datetime) -> date:
    """The day it is in England at `instant` (timezone-aware)."""
    if instant.tzinfo is None:
        raise ValueError("london_date needs a timezone-aware instant")
    return instant.astimezone(LONDON).date()


def london_instant(day: date, at: time) -> datetime:
    """The instant it is `at` o'clock on `day` in England, in UTC."""
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


def london_time(instant: datetime) -> datetime:
    """`instant` as England's wall clock shows it (for people to read)."""
    return instant.astimezone(LONDON)


@contextmanager
def frozen_at(source: Source | datetime) -> Iterator[None]:
    """Within the block, `now()` answers from `source` (an instant or a callable)."""
    global _source
    previous = _source
    _source = (lambda: source) if isinstance(source, datetime) else source
    try:
        yield
    finally:
        _source = previous
