"""Uploaded advice files: checked by their content, never by name or declared type.

A PDF starts with `%PDF-`; a Word document is a zip holding [Content_Types].xml and
word/document.xml. Anything else, or anything over the size limit, is refused with
a reason in the GOV.UK error-message style.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSION = {PDF: "pdf", DOCX: "docx"}
# A real advice document unpacks to a few MB; more than this is a zip bomb.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024


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
        raise UploadRefused(f"The selected file must be smaller than {max_bytes // (1024 * 1024)}MB")
    media_type = sniff(content)
    if media_type is None:
        raise UploadRefused("The selected file must be a PDF or Word document")
    return CheckedFile(name=_safe_name(name, EXTENSION[media_type]), media_type=media_type, content=content)


def sniff(content: bytes) -> str | None:
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = set(archive.namelist())
                unpacked = sum(item.file_size for item in archive.infolist())
        except zipfile.BadZipFile:
            return None
        if {"[Content_Types].xml", "word/document.xml"} <= names and unpacked <= MAX_UNPACKED_BYTES:
            return DOCX
    return None


def _safe_name(name: str, extension: str) -> str:
    """Keep a readable name for the coordinator, without paths or odd characters."""
    stem = name.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    stem = "".join(char if char.isalnum() or char in " -_" else "_" for char in stem).strip()[:80]
    return f"{stem or 'advice'}.{extension}"
