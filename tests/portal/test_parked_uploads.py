"""Uploads parked between "Continue" and "Send" do not stay for ever: those parked more than a
day before the injected `now` are deleted, by the sweep; ids are only ever the random form."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

import pytest

from ehcp.portal import uploads
from ehcp.portal.uploads import CheckedFile, UploadRefused, park, parked_path, pending_dir
from ehcp.runtime import orchestration, sweeper
from ehcp.settings import get_settings
from tests.portal.conftest import PDF

NOW = datetime.fromisoformat("2026-03-01T09:00:00+00:00")
FILE = CheckedFile(name="report.pdf", media_type="application/pdf", content=PDF)


def test_uploads_parked_over_a_day_before_now_are_removed(tmp_path):
    pending = tmp_path / "pending"
    old = park(pending, FILE, now=NOW - timedelta(days=1, minutes=1))
    fresh = park(pending, FILE, now=NOW - timedelta(hours=23))
    (pending / "not-a-parked-file").mkdir()  # left alone: not what `park` makes
    assert uploads.remove_stale_uploads(now=NOW, pending=pending) == 1
    assert sorted(path.name for path in pending.iterdir()) == sorted([fresh["id"], "not-a-parked-file"])
    assert old["id"] != fresh["id"]
    # Time is the injected clock's, not the machine's: a day on, the fresh one goes too.
    assert uploads.remove_stale_uploads(now=NOW + timedelta(days=1), pending=pending) == 1
    assert uploads.remove_stale_uploads(now=NOW, pending=tmp_path / "never-made") == 0


def test_parked_ids_are_only_the_random_form(tmp_path):
    info = park(tmp_path, FILE, now=NOW)
    assert parked_path(tmp_path, info["id"]) == tmp_path / info["id"]
    assert uploads.unpark(tmp_path, info, max_bytes=10_000_000).content == PDF
    for bad in ["../" + info["id"], "/etc/passwd", info["id"].upper(), info["id"] + "\n", None, 7]:
        with pytest.raises(UploadRefused):
            parked_path(tmp_path, bad)
        with pytest.raises(UploadRefused):
            uploads.unpark(tmp_path, {**info, "id": bad}, max_bytes=10_000_000)
    link = tmp_path / ("b" * 32)
    link.symlink_to("/etc/passwd")
    with pytest.raises(UploadRefused):
        uploads.unpark(tmp_path, {**info, "id": "b" * 32}, max_bytes=10_000_000)
    uploads.discard(tmp_path, "../" + info["id"])  # ignored
    assert (tmp_path / info["id"]).exists()
    uploads.discard(tmp_path, info["id"])
    assert not (tmp_path / info["id"]).exists()


def test_the_sweep_removes_stale_parked_uploads(session, monkeypatch):
    monkeypatch.setattr(orchestration, "stranded_runs", lambda *args, **kwargs: {})  # no Prefect here
    pending = pending_dir(get_settings().var_dir)
    old = park(pending, FILE, now=NOW - timedelta(days=2))
    fresh = park(pending, FILE, now=NOW - timedelta(minutes=5))
    sweeper.sweep(session, now=NOW, limit=10, stale_after_seconds=600)
    assert [path.name for path in pending.iterdir()] == [fresh["id"]]
    assert not (pending / old["id"]).exists()
    assert os.stat(pending / fresh["id"]).st_mtime == (NOW - timedelta(minutes=5)).timestamp()
