"""Text from outside is free of characters that hide or rewrite what a reader sees.

Every entry point (the intake webhook, the case API, the portal, the CLI, the resume
forms) refuses, with the field named and the value never echoed:

- control characters (C0 and C1, DEL; NUL also breaks PostgreSQL's text type), except
  tab and line breaks in prose fields;
- bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069):
  "Alex\\u202e moc.live@evil \\u202c" prints as "Dear Alexlive@evil.com";
- invisible characters (zero-width space, word joiner and friends, the byte-order mark,
  Hangul fillers that pass for blank names, tag characters, deprecated format characters);
- lone surrogates (Python's JSON reader lets "\\ud800" through; no database stores it).

Zero-width (non-)joiners are letters' business in Persian, Urdu and Indic scripts, so
they are allowed between two letters and refused anywhere else.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, ValidationInfo, field_validator
from pydantic.fields import FieldInfo

# Refused in every text, as (first, last) code points.
_ALWAYS: tuple[tuple[int, int], ...] = (
    (0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x7F, 0x9F),  # controls: C0 but tab and breaks, DEL, C1
    (0x202A, 0x202E), (0x2066, 0x2069),  # bidirectional embeddings, overrides and isolates
    (0x200B, 0x200B), (0x2060, 0x2064), (0xFEFF, 0xFEFF), (0x180E, 0x180E),  # invisible
    (0x206A, 0x206F), (0xFFF9, 0xFFFB),  # deprecated format characters, interlinear annotation
    (0x115F, 0x1160), (0x3164, 0x3164), (0xFFA0, 0xFFA0),  # Hangul fillers: blank-looking "letters"
    (0xE0000, 0xE007F),  # tag characters
    (0xD800, 0xDFFF),  # lone surrogates
)  # fmt: skip
# Refused in one-line text only (prose keeps tab, CR and LF; NEL is C1, refused everywhere).
_LINE_BREAKS: tuple[tuple[int, int], ...] = ((0x09, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029))
_PARAGRAPH_BREAKS: tuple[tuple[int, int], ...] = ((0x2028, 0x2029),)


def _character_class(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(
        re.escape(chr(first)) + (f"-{re.escape(chr(last))}" if last != first else "")
        for first, last in ranges
    )


_UNSAFE_LINE = re.compile(f"[{_character_class(_ALWAYS + _LINE_BREAKS)}]")
_UNSAFE_PROSE = re.compile(f"[{_character_class(_ALWAYS + _PARAGRAPH_BREAKS)}]")


def one_line_json_pattern() -> str:
    """A JSON Schema `pattern` for one line of safe text, written with \\uXXXX escapes so
    that Python's `re` (the Prefect server's check of a resume form) and a browser's regular
    expressions read it alike. It leaves out what a browser cannot name without the `u` flag
    (tag characters, lone surrogates) and the joiners: the model still refuses those."""
    bmp = [
        (first, last)
        for first, last in _ALWAYS + _LINE_BREAKS
        if last <= 0xFFFF and not 0xD800 <= first <= 0xDFFF
    ]
    escaped = "".join(f"\\u{first:04x}" + (f"-\\u{last:04x}" if last != first else "") for first, last in bmp)
    return f"^[^{escaped}]*$"


# Joiners sit inside a word or an emoji sequence; one at either end of a word hides nothing
# a reader needs, but is never typed on purpose there either.
_STRAY_JOINER = re.compile(r"(?<!\S)[\u200c\u200d]|[\u200c\u200d](?!\S)")


class Prose:
    """Marks a text field that may hold line breaks and tabs: `Annotated[str, Prose()]`."""

    def __repr__(self) -> str:
        return "Prose()"


def unsafe_character(value: str, *, multiline: bool = False) -> str | None:
    """What is wrong with the text, in words that do not repeat it; None when it is safe."""
    found = (_UNSAFE_PROSE if multiline else _UNSAFE_LINE).search(value) or _STRAY_JOINER.search(value)
    if found is None:
        return None
    character = found.group()
    name = unicodedata.name(character, "control character")
    if character in "\t\n\r":
        kind = "a line break or tab (this field is one line)"
    elif unicodedata.category(character) == "Cc":
        kind = "a control character"
    elif unicodedata.category(character) == "Cs":
        kind = "a lone surrogate (not a character)"
    elif unicodedata.bidirectional(character) in (
        "LRE",
        "RLE",
        "LRO",
        "RLO",
        "PDF",
        "LRI",
        "RLI",
        "FSI",
        "PDI",
    ):
        kind = "a text-direction override"
    else:
        kind = "an invisible character"
    return f"contains {kind} (U+{ord(character):04X} {name}) at position {found.start() + 1}"


def check_text(value: str, *, multiline: bool = False) -> str:
    problem = unsafe_character(value, multiline=multiline)
    if problem is not None:
        raise ValueError(problem)
    return value


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple | set | frozenset):
        return [item for element in value for item in _strings(element)]
    if isinstance(value, dict):
        return [item for key, element in value.items() for item in (*_strings(key), *_strings(element))]
    return []


def _marked_prose(annotation: Any) -> bool:
    """Whether `Prose()` marks the annotation, a member of its union or its container's items."""
    if get_origin(annotation) is Annotated:
        if any(isinstance(item, Prose) for item in get_args(annotation)[1:]):
            return True
        return _marked_prose(get_args(annotation)[0])
    # A union (`Prose | None`) or a container (`dict[str, Prose]`): any member marked.
    return any(_marked_prose(member) for member in get_args(annotation))


def is_prose(field: FieldInfo) -> bool:
    return any(isinstance(item, Prose) for item in field.metadata) or _marked_prose(field.annotation)


class SafeTextModel(BaseModel):
    """A model whose every text field (nested lists and dicts too, keys as well as values)
    is checked by `check_text`; fields annotated with `Prose()` (`Annotated[str, Prose()]`,
    alone or in a union such as `... | None`) may hold line breaks."""

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_unsafe_characters(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name is None:
            return value
        field = cls.model_fields.get(info.field_name)
        multiline = field is not None and is_prose(field)
        for text in _strings(value):
            check_text(text, multiline=multiline)
        return value
