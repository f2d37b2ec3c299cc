"""Files written whole, even with two writers of one path at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from ehcp import files
from ehcp.files import write_whole


def test_a_second_writer_of_the_same_path_during_the_first_write_leaves_both_writes_whole(
    tmp_path, monkeypatch
):
    """Writer B runs from start to end while writer A's temporary is written: A's move must
    still find A's temporary (with one shared `.part` name, B had already moved it away)."""
    path = tmp_path / "plan_version-1-abc.docx"
    real_write = Path.write_bytes
    interleaved = []

    def write_bytes(self: Path, data: bytes) -> int:
        written = real_write(self, data)
        if data == b"A" and not interleaved:
            interleaved.append(self.name)
            write_whole(path, b"B")
        return written

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    write_whole(path, b"A")
    assert interleaved
    assert path.read_bytes() == b"A"  # the last to move wins, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary left


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "report.pdf"
    path.write_bytes(b"old")

    def full_disk(self: Path, data: bytes) -> int:
        real(self, data[:1])
        raise OSError(28, "No space left on device")

    real = Path.write_bytes
    monkeypatch.setattr(Path, "write_bytes", full_disk)
    with pytest.raises(OSError):
        files.write_whole(path, b"new content")
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]
