"""Small wording helpers shared by letters, emails, the chronology and the UI."""

from __future__ import annotations


def words(value: object) -> str:
    """A key as words: social_care -> social care (enums by their value)."""
    return str(value).replace("_", " ")
