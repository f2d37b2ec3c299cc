"""A 100,000-row caseload imports whole (timed by benchmarks/import.py, not here)."""

from __future__ import annotations

import importlib.util
import io

import pytest
from sqlmodel import func, select

from ehcp.db.models import Case, Decision
from ehcp.imports.run import import_rows
from ehcp.settings import PROJECT_ROOT
from tests.imports.files import NOW

pytestmark = pytest.mark.slow


def _caseload(rows: int, open_every: int) -> str:
    spec = importlib.util.spec_from_file_location("bench_import", PROJECT_ROOT / "benchmarks" / "import.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.caseload(rows, open_every)


def test_a_100k_row_caseload_imports_every_case_once(engine, council):
    from ehcp.db.engine import session_for

    if engine.dialect.name != "sqlite":
        pytest.skip("the 100k figure is SQLite's")
    text = _caseload(100_000, 1000)
    with session_for(engine) as session:
        outcome = import_rows(io.StringIO(text), session=session, council=council, now=NOW)
        assert (outcome.imported_closed, outcome.imported_open, outcome.rejects) == (99_900, 100, [])
        assert session.exec(select(func.count()).select_from(Case)).one() == 100_000
        assert session.exec(select(func.count(func.distinct(Case.ref)))).one() == 100_000
        open_cases = session.exec(
            select(func.count()).select_from(Case).where(Case.closed_on.is_(None))
        ).one()
        assert open_cases == 100
        # Every case but the withdrawn (1 in 10; the open ones replace refusals) has its
        # decision whether to assess.
        assessed = session.exec(
            select(func.count()).select_from(Decision).where(Decision.kind == "assessment")
        ).one()
        assert assessed == 90_000
        again = import_rows(io.StringIO(text), session=session, council=council, now=NOW)
        assert (again.imported_closed, again.imported_open, again.already_imported) == (0, 0, 100_000)
