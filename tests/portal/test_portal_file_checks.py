"""Uploaded files are judged by their structure: a PDF must open and have readable pages, a
Word document must inflate, part by part with the bytes counted as they come out, to a
bounded size that matches what its zip declares. The bad files are built here."""

from __future__ import annotations

import functools
import io
import struct
import zipfile

import docx
import pytest
from pypdf import PdfWriter

from ehcp.portal.uploads import MAX_PDF_PAGES, MAX_UNPACKED_BYTES, UploadRefused, check_upload, pending_dir
from ehcp.settings import get_settings
from tests.portal.conftest import PDF, docx_bytes, pdf_bytes

LIMIT = 10 * 1024 * 1024
MiB = 1024 * 1024


def word_document() -> bytes:
    document = docx.Document()
    document.add_paragraph("Speech and language therapy: twice a week.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_with(parts: dict[str, int]) -> bytes:
    """A zip holding a Word document's two required parts plus `parts` (name: MiB of zeros),
    deflated as they are written, 1 MiB at a time."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        zeros = bytes(MiB)
        for name, mebibytes in parts.items():
            with archive.open(name, "w") as part:
                for _ in range(mebibytes):
                    part.write(zeros)
    return buffer.getvalue()


def declaring(content: bytes, name: str, size: int) -> bytes:
    """The zip with part `name` declaring `size` uncompressed bytes (local and central headers);
    its data and CRC are left as they are."""
    data = bytearray(content)
    end = data.rindex(b"PK\x05\x06")
    count, _, start = struct.unpack_from("<HII", data, end + 10)
    offset = start
    for _ in range(count):
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, offset + 28)
        local = struct.unpack_from("<I", data, offset + 42)[0]
        if data[offset + 46 : offset + 46 + name_length].decode() == name:
            struct.pack_into("<I", data, offset + 24, size)
            struct.pack_into("<I", data, local + 22, size)
        offset += 46 + name_length + extra_length + comment_length
    return bytes(data)


@functools.cache
def honest_bomb() -> bytes:
    return zip_with({"word/media/image1.bin": 190})  # 190 MiB of zeros in a few hundred KB


@functools.cache
def lying_bomb() -> bytes:
    return declaring(zip_with({"word/media/image1.bin": 190}), "word/media/image1.bin", 1000)


def lying_small() -> bytes:
    return declaring(zip_with({"word/media/image1.bin": 1}), "word/media/image1.bin", 10)


def too_many_pages() -> bytes:
    return pdf_bytes(MAX_PDF_PAGES + 1)


def password_protected() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


HTML_AFTER_HEADER = b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>\n"
DAMAGED = "cannot be opened"
BAD_FILES = {
    "pdf header then html": (HTML_AFTER_HEADER, DAMAGED),
    "pdf header only": (b"%PDF-1.4\n%%EOF\n", DAMAGED),
    "pdf cut in half": (PDF[: len(PDF) // 2], DAMAGED),
    "pdf with too many pages": (too_many_pages, f"{MAX_PDF_PAGES:,} pages or fewer"),
    "password-protected pdf": (password_protected, "must not be password protected"),
    "zip declaring smaller parts": (lying_small, DAMAGED),
    "zip bomb declaring small parts": (lying_bomb, "too large once opened"),
    "honest 190 MiB zip bomb": (honest_bomb, "too large once opened"),
    "zip without word parts": (lambda: _plain_zip(), "must be a PDF or Word document"),
}


def _plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return buffer.getvalue()


def content_of(file) -> bytes:
    return file() if callable(file) else file


def test_real_pdfs_and_word_documents_are_accepted():
    assert check_upload("report.pdf", PDF, max_bytes=LIMIT).media_type == "application/pdf"
    assert check_upload("report.pdf", pdf_bytes(40), max_bytes=LIMIT).extension == "pdf"
    assert check_upload("report.docx", word_document(), max_bytes=LIMIT).extension == "docx"
    assert check_upload("notes.docx", docx_bytes(), max_bytes=LIMIT).extension == "docx"
    # Inside the limits: 20 MiB of pictures, honestly declared.
    assert 20 * MiB < MAX_UNPACKED_BYTES
    assert check_upload("big.docx", zip_with({"word/media/a.bin": 20}), max_bytes=LIMIT).extension == "docx"


@pytest.mark.parametrize(("file", "reason"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_file_that_fails_its_structure_check_is_refused_with_a_plain_reason(file, reason):
    content = content_of(file)
    assert len(content) < LIMIT  # it is the structure that is refused, not the size
    with pytest.raises(UploadRefused, match=reason) as refused:
        check_upload("secret-name-4b1d.pdf", content, max_bytes=LIMIT)
    assert "secret-name" not in str(refused.value)


@pytest.mark.parametrize(
    ("file", "reason"),
    [BAD_FILES["pdf header then html"], BAD_FILES["zip bomb declaring small parts"]],
    ids=["pdf header then html", "zip bomb declaring small parts"],
)
def test_the_portal_refuses_a_bad_file_beside_its_field_and_parks_nothing(assessing, file, reason):
    response = assessing.client.post(
        assessing.link(),
        data={"section-C": "Hearing loss."},
        files={"advice-file": ("secret-name-4b1d.pdf", content_of(file), "application/pdf")},
    )
    assert response.status_code == 400 and reason in response.text
    assert 'href="#advice-file"' in response.text and "secret-name-4b1d" not in response.text
    pending = pending_dir(get_settings().var_dir)
    assert not pending.exists() or list(pending.iterdir()) == []
