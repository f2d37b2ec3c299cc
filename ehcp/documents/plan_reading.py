"""Read a caseworker's EHC plan back from their Word file, section by section.

The working draft (templates/plan/draft_plan.docx) heads each section with its
canonical heading as a Heading 2 paragraph; the caseworker writes the council's
words under each and deletes the banner, every extract from advice, gap and
drafting note. This module finds the sections by those headings and returns each
section's text (paragraphs and table cells, in document order).

A file is refused, naming the section at fault, while it is not yet a plan: a
working-draft marker still in it, a section missing, renamed, duplicated or out
of order, or an empty section B, E or F. Sections I, J and K may be empty in a
draft (section I is blank in a draft by law: CFA 2014 s38(5), CoP 9.79).

Reading is bounded before any XML is parsed: the file's size, and the zip's real
uncompressed size (counted while inflating, not taken from the zip's own claims).
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Mapping

import docx
from docx.document import Document
from docx.table import Table
from docx.text.paragraph import Paragraph
from pydantic import BaseModel, ConfigDict

from ehcp.domain.ehc_plan import (
    DRAFTING_NOTE_PREFIX,
    EXTRACT_LABEL_PREFIX,
    EXTRACT_LABEL_SUFFIX,
    GAP_PREFIX,
    PLAN_SECTIONS,
    SECTION_HEADINGS,
    WORKING_DRAFT_BANNER,
)
from ehcp.errors import InvalidInput

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_MEMBERS = 2_000
MAX_SECTION_CHARS = 50_000
# A plan is not a plan without its needs, outcomes and provision (Regs 12(1)(b), (e), (f)).
REQUIRED_SECTIONS = ("B", "E", "F")
# The working draft's style for advisers' words (scripts/build_plan_template.py).
EXTRACT_STYLE = "Advice extract"
FILE_FIELD = "file"

_CODE_IN_HEADING = re.compile(r"^section\s+([a-k][12]?)\b", re.IGNORECASE)
# Control characters other than tab and newline (Word's tab and line break).
_CONTROL = {chr(c) for c in range(32) if chr(c) not in "\t\n"} | {chr(127)}


class PlanText(BaseModel):
    """Each section's text, keyed by section code in the order of the plan."""

    model_config = ConfigDict(frozen=True)

    sections: dict[str, str]

    def __getitem__(self, code: str) -> str:
        return self.sections[code]


def field_for(code: str) -> str:
    return f"sections.{code}"


def read_plan(data: bytes) -> PlanText:
    """The plan's text by section, or InvalidInput naming the file or section at fault."""
    document = _open(data)
    banner = _normal(WORKING_DRAFT_BANNER)
    texts: dict[str, list[str]] = {}
    current: str | None = None
    for paragraph, in_table in _paragraphs(document):
        text = paragraph.text
        normal = _normal(text)
        if not in_table and _is_heading_2(paragraph):
            if not normal:
                continue  # an empty heading line is no heading
            current = _section_heading(normal, texts, current)
            texts[current] = []
            continue
        where = f"section {current}" if current else "the top of the document"
        field = field_for(current) if current else FILE_FIELD
        if normal and (banner in normal or normal.startswith("WORKING DRAFT")):
            raise InvalidInput.one(
                field, f"the working-draft banner is still in {where}: finish the plan, then delete it"
            )
        if normal.startswith(EXTRACT_LABEL_PREFIX) or EXTRACT_LABEL_SUFFIX in normal:
            raise InvalidInput.one(
                field,
                f"extracts from advice are still in {where}: write it in the council's words, "
                "then delete each extract and its label",
            )
        if normal and _style_name(paragraph) == EXTRACT_STYLE:
            raise InvalidInput.one(
                field,
                f"text in the '{EXTRACT_STYLE}' style (an adviser's words) is still in {where}: "
                "write it in the council's words in Normal style",
            )
        if normal.startswith(GAP_PREFIX):
            raise InvalidInput.one(
                field, f"a gap note is still in {where}: write the section, then delete the note"
            )
        if normal.startswith(DRAFTING_NOTE_PREFIX):
            raise InvalidInput.one(field, f"a drafting note is still in {where}: delete it")
        if current is None:
            continue  # the front page: council, title, the child's details
        _check_characters(current, text)
        if text.strip():
            texts[current].append(text.strip())
    missing = [code for code in PLAN_SECTIONS if code not in texts]
    if missing:
        code = missing[0]
        raise InvalidInput.one(
            field_for(code),
            f"section {code} is missing: the plan must have a Heading 2 reading exactly "
            f"{SECTION_HEADINGS[code]!r}",
        )
    sections = {code: "\n".join(texts[code]) for code in PLAN_SECTIONS}
    for code, text in sections.items():
        if len(text) > MAX_SECTION_CHARS:
            raise InvalidInput.one(
                field_for(code),
                f"section {code} is {len(text):,} characters long; at most {MAX_SECTION_CHARS:,}",
            )
    for code in REQUIRED_SECTIONS:
        if not sections[code]:
            raise InvalidInput.one(
                field_for(code), f"section {code} is empty: write it in the council's words"
            )
    return PlanText(sections=sections)


def substantive_change(
    before: PlanText | Mapping[str, str], after: PlanText | Mapping[str, str]
) -> tuple[str, ...]:
    """The section codes whose text differs, ignoring differences in whitespace only."""
    old, new = _mapping(before), _mapping(after)
    codes = [code for code in PLAN_SECTIONS if code in old or code in new]
    codes += sorted((set(old) | set(new)) - set(codes))
    return tuple(code for code in codes if _words(old.get(code, "")) != _words(new.get(code, "")))


# -- opening the file, bounded -------------------------------------------


def _open(data: bytes) -> Document:
    if not data:
        raise InvalidInput.one(FILE_FIELD, "the file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput.one(
            FILE_FIELD, f"the file must be smaller than {MAX_FILE_BYTES // (1024 * 1024)}MB"
        )
    if not data.startswith(b"PK\x03\x04"):
        raise InvalidInput.one(FILE_FIELD, "the file must be a Word document (.docx)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise InvalidInput.one(FILE_FIELD, "the Word document holds too many parts to be a plan")
            names = {member.filename for member in members}
            if not {"[Content_Types].xml", "word/document.xml"} <= names:
                raise InvalidInput.one(FILE_FIELD, "the file must be a Word document (.docx)")
            _check_unpacked_size(archive, members)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError) as error:
        raise InvalidInput.one(FILE_FIELD, "the Word document cannot be read (it may be damaged)") from error
    try:
        return docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx and lxml raise many kinds; each means the same here
        raise InvalidInput.one(FILE_FIELD, "the Word document cannot be read (it may be damaged)") from error


def _check_unpacked_size(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    """Inflate every part, counting the bytes that really come out: a zip's declared sizes
    can lie, and a small file can unpack to gigabytes."""
    total = 0
    for member in members:
        with archive.open(member) as part:
            while chunk := part.read(64 * 1024):
                total += len(chunk)
                if total > MAX_UNPACKED_BYTES:
                    raise InvalidInput.one(
                        FILE_FIELD,
                        f"the Word document unpacks to more than {MAX_UNPACKED_BYTES // (1024 * 1024)}MB; "
                        "a plan is far smaller (remove large pictures or embedded files)",
                    )


# -- walking the document ------------------------------------------------


def _paragraphs(document: Document) -> Iterator[tuple[Paragraph, bool]]:
    """Every paragraph of the body in reading order, with whether it sits in a table."""
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            yield block, False
        else:
            yield from _table_paragraphs(block)


def _table_paragraphs(table: Table) -> Iterator[tuple[Paragraph, bool]]:
    seen: set[int] = set()
    for row in table.rows:
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is listed once per grid column it spans
                continue
            seen.add(id(cell._tc))
            for block in cell.iter_inner_content():
                if isinstance(block, Paragraph):
                    yield block, True
                else:
                    yield from _table_paragraphs(block)


def _style_name(paragraph: Paragraph) -> str:
    try:
        style = paragraph.style
    except (KeyError, ValueError):
        return ""
    return style.name if style is not None and style.name else ""


def _is_heading_2(paragraph: Paragraph) -> bool:
    name = _style_name(paragraph).replace(" ", "").lower()
    style_id = (paragraph._p.style or "").replace(" ", "").lower()
    return name == "heading2" or style_id == "heading2"


def _section_heading(heading: str, seen: Mapping[str, list[str]], current: str | None) -> str:
    """The section a Heading 2 opens; refuse one that is not a canonical heading, or one
    out of place."""
    code = next((code for code, text in SECTION_HEADINGS.items() if _normal(text) == heading), None)
    if code is None:
        guessed = _CODE_IN_HEADING.match(heading)
        named = guessed.group(1).upper() if guessed else None
        if named in SECTION_HEADINGS:
            raise InvalidInput.one(
                field_for(named),
                f"the heading of section {named} reads {heading!r}; it must read exactly "
                f"{SECTION_HEADINGS[named]!r}",
            )
        after = f" (in section {current})" if current else ""
        raise InvalidInput.one(
            field_for(current) if current else FILE_FIELD,
            f"{heading!r}{after} is a Heading 2 but not a section heading: section headings are not "
            "renamed, and subheadings use Heading 3",
        )
    if code in seen:
        raise InvalidInput.one(field_for(code), f"section {code} appears twice")
    if current is not None and PLAN_SECTIONS.index(code) < PLAN_SECTIONS.index(current):
        raise InvalidInput.one(
            field_for(code),
            f"section {code} comes after section {current}: the sections are in the order "
            + ", ".join(PLAN_SECTIONS),
        )
    return code


def _check_characters(code: str, text: str) -> None:
    bad = next((char for char in text if char in _CONTROL), None)
    if bad is not None:
        raise InvalidInput.one(
            field_for(code), f"section {code} holds a control character (U+{ord(bad):04X}); remove it"
        )


def _normal(text: str) -> str:
    """Text as compared: Unicode-normalised, whitespace collapsed (Word may turn a space
    into a non-breaking one)."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _words(text: str) -> str:
    return " ".join(text.split())


def _mapping(plan: PlanText | Mapping[str, str]) -> Mapping[str, str]:
    return plan.sections if isinstance(plan, PlanText) else plan
