"""Find a case's personal data where it must never be: Prefect's database, logs, working folders.

`personal_values_of` reads what identifies each case's child and family from the case
database; `find_personal_data` looks for those values, case-insensitively, in a whole dump
of Prefect's database (PostgreSQL through the machine's own `pg_dump`, or SQLite read after
a WAL checkpoint), in log files and in every file under the given folders. A value is found
only as a whole (not inside a longer word or number), as written or in the forms JSON, SQL,
HTML and URLs escape it to. Each `Hit` says where, with a short context in which personal
values are masked, so a failing test's output does not repeat them.

    values = personal_values_of(cases_engine, refs)
    hits = find_personal_data(
        values,
        postgres_url=stack.prefect_database_url,
        log_paths=sorted((stack.root / "var" / "log").glob("*.log")),
        directories=[stack.root / name for name in ("worker-a", "worker-b", "prefect-server")],
    )
    assert hits == [], "\\n".join(map(str, hits))
"""

from __future__ import annotations

import bisect
import contextlib
import html
import json
import os
import re
import sqlite3
import subprocess
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, col, select

from ehcp.db.models import Case, Child, FamilyContact, IntakeSubmission
from tests.support.postgres import find_bin_dir

WORD = re.compile(r"[^\W_]+")  # letters and digits: a value is found only where no more adjoin it
CONTEXT = 30  # characters shown either side of a hit


@dataclass(frozen=True)
class Hit:
    source: str  # "postgresql" or "sqlite" (where: a table), "sqlite-file", "log" or "file" (a path)
    where: str
    value: str = field(repr=False)  # the personal value found; kept out of repr and str
    context: str  # the text around it, personal values masked

    def __str__(self) -> str:
        return f"{self.source} {self.where}: {mask(self.value)} in ...{self.context}..."


def personal_values_of(db: Session | Engine, refs: Iterable[str]) -> list[str]:
    """Each case's child's full name and given names, date of birth as ISO `2015-03-04`,
    `04/03/2015` and `4 March 2015`, NHS number, postcodes with and without the inner space,
    and the family's email addresses (as recorded and as the intake form sent them). The
    family name alone is left out: "Example" (the example intake's) also names the example
    council, its schools and every example.org address. Give test cases distinctive given
    names: "Sam" alone is found wherever the word "sam" is."""
    values: set[str] = set()
    with _session(db) as session:
        for ref in refs:
            case = session.exec(select(Case).where(col(Case.ref) == ref)).one()
            child = session.exec(select(Child).where(col(Child.case_id) == case.id)).one_or_none()
            if child is not None:
                full = f"{child.given_names} {child.family_name}"
                values |= {full, child.given_names, child.nhs_number or ""}
                values |= dates_of(child.date_of_birth) | postcodes_of(child.postcode)
            contacts = session.exec(select(FamilyContact).where(col(FamilyContact.case_id) == case.id))
            values |= {contact.email or "" for contact in contacts}
            intake = session.exec(
                select(IntakeSubmission).where(col(IntakeSubmission.case_id) == case.id)
            ).one_or_none()
            if intake is not None:
                payload = intake.payload
                people = [payload.get("requester") or {}, *(payload.get("parents") or [])]
                values |= {person.get("email") or "" for person in people}
                address = (payload.get("child") or {}).get("address") or {}
                values |= postcodes_of(address.get("postcode"))
    return sorted(value for value in values if value.strip())


def dates_of(day: date) -> set[str]:
    return {day.isoformat(), f"{day:%d/%m/%Y}", f"{day.day} {day:%B %Y}"}


def postcodes_of(postcode: str | None) -> set[str]:
    compact = "".join((postcode or "").split()).upper()
    if len(compact) < 5:
        return {compact} if compact else set()
    return {compact, f"{compact[:-3]} {compact[-3:]}"}


def find_personal_data(
    values: Iterable[str],
    *,
    postgres_url: str | None = None,
    sqlite_path: Path | str | None = None,
    log_paths: Iterable[Path | str] = (),
    directories: Iterable[Path | str] = (),
) -> list[Hit]:
    """Every place any of `values` is found. `postgres_url` (any SQLAlchemy driver) is
    dumped whole with `pg_dump --data-only`; `sqlite_path` is checkpointed, dumped table by
    table and its files read raw (deleted rows linger there); each log path must exist;
    every file under each directory is read. Binary files are read as UTF-8, replacing
    what does not decode; compressed files are not opened."""
    needles = _needles(values)
    hits: list[Hit] = []
    if postgres_url is not None:
        text, tables = _pg_dump(postgres_url)
        hits += _search(text, needles, "postgresql", _section(tables))
    if sqlite_path is not None:
        path = Path(sqlite_path)
        text, tables = _sqlite_dump(path)
        hits += _search(text, needles, "sqlite", _section(tables))
        for file in (path, Path(f"{path}-wal"), Path(f"{path}-journal")):
            if file.is_file():
                hits += _search(_read(file), needles, "sqlite-file", lambda _, file=file: str(file))
    for log in map(Path, log_paths):
        if not log.is_file():
            raise FileNotFoundError(f"no log file at {log}")
        hits += _search(_read(log), needles, "log", lambda _, log=log: str(log))
    for directory in map(Path, directories):
        if not directory.is_dir():
            raise FileNotFoundError(f"no directory at {directory}")
        for file in sorted(directory.rglob("*")):
            if file.is_file() and not file.is_symlink():
                hits += _search(_read(file), needles, "file", lambda _, file=file: str(file))
    return hits


def mask(value: str) -> str:
    """`S** E******`: the first character, then the value's shape."""
    return value[:1] + re.sub(r"[^\W_]", "*", value[1:])


# -- the forms a value is stored in ---------------------------------------------------


def _needles(values: Iterable[str]) -> dict[str, str]:
    """Each lower-cased form to look for, with the value it stands for."""
    needles: dict[str, str] = {}
    for value in values:
        # As written, or as a web page or URL writes it; either of those inside JSON
        # (ensure_ascii: "Zo\u00eb"); and any of them as SQL quotes it or COPY writes it.
        in_html = html.escape(value)
        forms = {value, in_html, in_html.replace("&#x27;", "&#39;")}
        forms |= {urllib.parse.quote(value), urllib.parse.quote_plus(value)}
        forms |= {json.dumps(form)[1:-1] for form in forms}
        forms |= {form.replace("'", "''") for form in forms} | {form.replace("\\", "\\\\") for form in forms}
        for form in forms:
            if form.strip():
                needles.setdefault(form.lower(), value)
    return needles


def _search(text: str, needles: dict[str, str], source: str, where: Callable[[int], str]) -> list[Hit]:
    lowered = text.lower()
    words = set(WORD.findall(lowered))
    hits = []
    for needle, value in needles.items():
        if not set(WORD.findall(needle)) <= words:  # cheap: a whole-value match needs its words
            continue
        start = lowered.find(needle)
        while start != -1:
            end = start + len(needle)
            if _alone(lowered, start, end):
                hits.append(Hit(source, where(start), value, _context(lowered, start, end, needles)))
            start = lowered.find(needle, start + 1)
    return hits


def _alone(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return not WORD.fullmatch(before) and not WORD.fullmatch(after)


def _context(text: str, start: int, end: int, needles: dict[str, str]) -> str:
    before = text[max(0, start - CONTEXT) : start]
    after = text[end : end + CONTEXT]
    for needle in sorted(needles, key=len, reverse=True):  # other values nearby are masked too
        before, after = before.replace(needle, mask(needle)), after.replace(needle, mask(needle))
    return " ".join(f"{before}{mask(text[start:end])}{after}".split())


def _section(starts: list[tuple[int, str]]) -> Callable[[int], str]:
    """The table a position of a dump falls in, from (offset, table) in offset order."""
    offsets = [offset for offset, _ in starts]

    def where(position: int) -> str:
        index = bisect.bisect_right(offsets, position) - 1
        return starts[index][1] if index >= 0 else "(outside any table)"

    return where


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


# -- the databases ----------------------------------------------------------------------


def _pg_dump(url: str) -> tuple[str, list[tuple[int, str]]]:
    """The whole database's data as `pg_dump` writes it, and where each table's COPY starts."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise RuntimeError("no PostgreSQL binaries on this machine: pg_dump is needed")
    parsed = make_url(url)
    command = [str(bin_dir / "pg_dump"), "--data-only", "--encoding=UTF8", "--no-password"]
    command += ["--host", parsed.host or "127.0.0.1", "--port", str(parsed.port or 5432)]
    command += ["--username", parsed.username or "postgres", "--dbname", parsed.database or "postgres"]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    result = subprocess.run(command, capture_output=True, env=env, timeout=300, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"pg_dump failed ({result.returncode}): {result.stderr.decode(errors='replace')}")
    text = result.stdout.decode("utf-8", errors="replace").lower()  # offsets as _search sees them
    tables = [(m.start(), m.group(1)) for m in re.finditer(r"^copy (\S+) \(", text, re.MULTILINE)]
    return text, tables


def _sqlite_dump(path: Path) -> tuple[str, list[tuple[int, str]]]:
    """Every row as SQL, after moving the WAL into the database file."""
    if not path.is_file():
        raise FileNotFoundError(f"no SQLite database at {path}")
    parts, tables, offset = [], [], 0
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for statement in map(str.lower, db.iterdump()):  # offsets as _search sees them
            found = re.match(r'insert into "?([^"\s(]+)', statement)
            if found:
                tables.append((offset, found.group(1)))
            parts.append(statement)
            offset += len(statement) + 1
    return "\n".join(parts), tables


def _session(db: Session | Engine) -> contextlib.AbstractContextManager[Session]:
    return contextlib.nullcontext(db) if isinstance(db, Session) else Session(db)
