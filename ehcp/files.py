"""Files written whole: under a temporary name of their own beside the final one, then
moved into place, so a reader sees the old file (or none) or the whole new one."""

from __future__ import annotations

import secrets
from pathlib import Path


def write_whole(path: Path, data: bytes) -> None:
    """Write `data` to `path`, never half. The temporary name is unique to this write:
    two writers of one path (the same plan uploaded twice at once, two advisers' tabs)
    never move each other's temporary away. A shared `<name>.part` did, and the second
    writer's rename failed with FileNotFoundError."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.part")
    try:
        temporary.write_bytes(data)
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
