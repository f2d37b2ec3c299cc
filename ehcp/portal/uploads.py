"""Uploaded advice files: checked by their content, never by name or declared type.

A PDF must open with pypdf and have readable pages; a Word document is a zip holding
[Content_Types].xml and word/document.xml, every part of which inflates (counted as it
comes out, never trusting the sizes the zip declares) to a bounded total. Anything
else, or anything over the size limit, is refused with a reason in the GOV.UK
error-message style that never repeats the file's name.

Between the portal's check-your-answers page and "Send" the checked file is parked
under `pending/`, named by a random id; the id is all a draft carries, and it must
have exactly that random form wherever it comes back (`parked_path`).
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import logging
import os
import re
import secrets
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSION = {PDF: "pdf", DOCX: "docx"}
# A real advice document unpacks to a few MB; more than this is a zip bomb.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
# A Word document has tens of parts (a few hundred with many pictures).
MAX_ZIP_MEMBERS = 2000
# Advice reports run to tens of pages; the bound keeps a crafted page tree cheap to refuse.
MAX_PDF_PAGES = 2000
CHUNK = 64 * 1024

# A parked upload's id: exactly what `park` makes (secrets.token_hex(16)), nothing else.
PARKED_ID = re.compile(r"[0-9a-f]{32}")
PARKED_FOR = timedelta(days=1)

log = logging.getLogger(__name__)

NOT_PDF_OR_WORD = "The selected file must be a PDF or Word document"
DAMAGED = "The selected file cannot be opened. It may be damaged: save it again as a PDF or Word document"


class UploadRefused(ValueError):
    """`str(error)` is the message to show beside the file field."""


@dataclass(frozen=True)
class CheckedFile:
    name: str
    media_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def extension(self) -> str:
        return EXTENSION[self.media_type]


def check_upload(name: str, content: bytes, *, max_bytes: int) -> CheckedFile:
    if not content:
        raise UploadRefused("The selected file is empty")
    if len(content) > max_bytes:
        raise UploadRefused(f"The selected file must be smaller than {size_in_words(max_bytes)}")
    media_type = sniff(content)
    return CheckedFile(name=safe_name(name, EXTENSION[media_type]), media_type=media_type, content=content)


def size_in_words(size: int) -> str:
    """`10MB`, or `64KB` under a megabyte (GOV.UK style: no space, whole numbers)."""
    if size >= 1024 * 1024:
        return f"{size // (1024 * 1024)}MB"
    return f"{max(1, size // 1024)}KB"


def sniff(content: bytes) -> str:
    """The file's media type, judged by its structure; raises UploadRefused with the reason."""
    if content.startswith(b"%PDF-"):
        _check_pdf(content)
        return PDF
    if content.startswith(b"PK\x03\x04"):
        _check_docx(content)
        return DOCX
    raise UploadRefused(NOT_PDF_OR_WORD)


def _check_pdf(content: bytes) -> None:
    """pypdf must open it and reach every page (bounded: the file is at most the upload limit)."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise UploadRefused("The selected file must not be password protected")
        pages = reader.pages
        count = len(pages)
        if count == 0:
            raise UploadRefused(DAMAGED)
        if count > MAX_PDF_PAGES:
            raise UploadRefused(f"The selected file must have {MAX_PDF_PAGES:,} pages or fewer")
        for page in pages:
            page.mediabox  # noqa: B018  (reading it resolves the page's own dictionary)
    except UploadRefused:
        raise
    except Exception as error:  # pypdf raises many kinds (and RecursionError on cycles): all mean damaged
        log.info("PDF refused: %s", type(error).__name__)
        raise UploadRefused(DAMAGED) from None


def _check_docx(content: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise UploadRefused(DAMAGED)
            names = {member.filename for member in members}
            if not {"[Content_Types].xml", "word/document.xml"} <= names:
                raise UploadRefused(NOT_PDF_OR_WORD)
            _inflate_all(archive, members)
    except UploadRefused:
        raise
    except Exception as error:  # BadZipFile (bad CRC, bad header), EOFError, zlib.error, ...
        log.info("Word document refused: %s", type(error).__name__)
        raise UploadRefused(DAMAGED) from None


def _inflate_all(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    """Inflate every part, counting the bytes that really come out. zipfile stops reading a
    part at the size its header declares, so each part is read as if it declared one byte
    over the limit: a part whose real size differs from its declared one is refused."""
    total = 0
    for member in members:
        if member.flag_bits & 0x1:  # encrypted
            raise UploadRefused("The selected file must not be password protected")
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UploadRefused(DAMAGED)
        undeclared = copy.copy(member)
        undeclared.file_size = MAX_UNPACKED_BYTES + 1
        size = 0
        with archive.open(undeclared) as part:
            while chunk := part.read(CHUNK):
                size += len(chunk)
                total += len(chunk)
                if total > MAX_UNPACKED_BYTES:
                    raise UploadRefused(
                        f"The selected file is too large once opened (over "
                        f"{MAX_UNPACKED_BYTES // (1024 * 1024)}MB). Remove large pictures or "
                        "embedded files, or save it as a PDF"
                    )
            if size != member.file_size:
                raise UploadRefused(DAMAGED)


def safe_name(name: str, extension: str) -> str:
    """Keep a readable name for the coordinator, without paths or odd characters."""
    stem = name.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    stem = "".join(char if char.isalnum() or char in " -_" else "_" for char in stem).strip()[:80]
    return f"{stem or 'advice'}.{extension}"


_safe_name = safe_name  # the old private name


# -- parked uploads (the portal's check-your-answers step) ---------------------------


def pending_dir(var_dir: Path) -> Path:
    return var_dir / "uploads" / "pending"


def parked_path(pending: Path, parked_id: Any) -> Path:
    """The parked file an id names; raises UploadRefused unless the id has the random
    form `park` gives (so no id can name a path outside `pending`)."""
    if not isinstance(parked_id, str) or not PARKED_ID.fullmatch(parked_id):
        raise UploadRefused("The uploaded file could not be found")
    return pending / parked_id


def park(pending: Path, checked: CheckedFile, *, now: datetime) -> dict[str, Any]:
    """Keep a checked upload until "Send"; the file's time is the injected `now`, which
    `remove_stale_uploads` compares against."""
    pending.mkdir(parents=True, exist_ok=True)
    parked = secrets.token_hex(16)
    path = parked_path(pending, parked)
    # Written under another name and given its time before it takes its own, so the sweep
    # never sees it half-written or with the machine's time.
    partial = pending / f".{parked}.part"
    partial.write_bytes(checked.content)
    os.utime(partial, (now.timestamp(), now.timestamp()))
    partial.replace(path)
    return {"id": parked, "name": checked.name, "type": checked.media_type, "bytes": len(checked.content)}


def unpark(pending: Path, info: Any, *, max_bytes: int) -> CheckedFile:
    """The parked file a draft names, checked again; raises UploadRefused."""
    if not isinstance(info, dict):
        raise UploadRefused("The uploaded file could not be found")
    path = parked_path(pending, info.get("id"))
    media_type, name = info.get("type"), info.get("name")
    if media_type not in EXTENSION or not isinstance(name, str):
        raise UploadRefused("The uploaded file could not be found")
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > max_bytes:
            raise UploadRefused("The uploaded file could not be found")
        content = path.read_bytes()
    except OSError:
        raise UploadRefused("The uploaded file could not be found") from None
    checked = check_upload(name, content, max_bytes=max_bytes)
    if checked.media_type != media_type:
        raise UploadRefused("The uploaded file could not be found")
    return checked


def discard(pending: Path, parked_id: Any) -> None:
    """Delete a parked upload (after "Send"); an unknown or malformed id does nothing."""
    try:
        path = parked_path(pending, parked_id)
    except UploadRefused:
        return
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def remove_stale_uploads(
    *, now: datetime, pending: Path | None = None, older_than: timedelta = PARKED_FOR
) -> int:
    """Delete parked uploads parked more than `older_than` before `now` (a contributor who
    never pressed "Send"); returns how many. Never raises: the sweep calls it."""
    if pending is None:
        from ehcp.settings import get_settings

        pending = pending_dir(get_settings().var_dir)
    cutoff = (now - older_than).timestamp()
    removed = 0
    try:
        entries = list(os.scandir(pending))
    except OSError:
        return 0
    for entry in entries:
        try:
            if (
                PARKED_ID.fullmatch(entry.name)
                and entry.is_file(follow_symlinks=False)
                and entry.stat(follow_symlinks=False).st_mtime < cutoff
            ):
                os.unlink(entry.path)
                removed += 1
        except OSError as error:
            log.warning("could not remove a parked upload: %s", type(error).__name__)
    if removed:
        log.info("removed %d parked upload(s) older than %s", removed, older_than)
    return removed
