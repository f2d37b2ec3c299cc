"""Read a YAML config file into a pydantic model; errors name file, line and field.

A council's staff edit these files by hand, so a mistake must point at the
exact line, not just say "validation error".
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so pydantic parses them and names the
    field of a bad one (PyYAML's own date parsing fails without a location)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Location = tuple[str | int, ...]


class ConfigError(ValueError):
    """A config file is malformed. `problems` holds (line, field, message) triples."""

    def __init__(self, path: Path, problems: list[tuple[int | None, str, str]]) -> None:
        self.path = path
        self.problems = problems
        lines = [
            f"{path}:{line if line is not None else '?'}: {field or '(file)'}: {message}"
            for line, field, message in problems
        ]
        super().__init__("invalid configuration\n" + "\n".join(lines))


# A cross-field check: given the parsed model, the (location, message) of each problem.
Check = Callable[[Model], list[tuple[Location, str]]]


def load_model(path: Path, model: type[Model], check: Check | None = None) -> Model:
    """Parse and validate; `check` adds rules that span fields (reported like any other)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(path, [(None, "", f"cannot read file: {error.strerror}")]) from error
    try:
        data, lines = _parse_with_lines(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(
            path, [(line, "", f"not valid YAML: {getattr(error, 'problem', error)}")]
        ) from error
    try:
        parsed = model.model_validate(data if data is not None else {})
    except ValidationError as error:
        problems = []
        for item in error.errors():
            location = tuple(item["loc"])
            problems.append((_line_for(location, lines), _dotted(location), item["msg"]))
        raise ConfigError(path, problems) from error
    found = check(parsed) if check is not None else []
    if found:
        raise ConfigError(path, [(_line_for(where, lines), _dotted(where), what) for where, what in found])
    return parsed


def _parse_with_lines(text: str) -> tuple[object, dict[Location, int]]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines: dict[Location, int] = {}
        _record_lines(node, (), lines)
        return loader.construct_document(node), lines
    finally:
        loader.dispose()


def _record_lines(node: yaml.Node, location: Location, lines: dict[Location, int]) -> None:
    lines[location] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*location, key_node.value)
            _record_lines(value_node, child, lines)
            lines[child] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, (*location, index), lines)


def _line_for(location: Location, lines: dict[Location, int]) -> int | None:
    """The line of the deepest part of `location` that exists in the file."""
    for end in range(len(location), -1, -1):
        as_text = tuple(str(part) if not isinstance(part, int) else part for part in location[:end])
        if as_text in lines:
            return lines[as_text]
    return None


def _dotted(location: Location) -> str:
    text = ""
    for part in location:
        if part == "[key]":  # pydantic's marker for a bad mapping key: the key is the field
            continue
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
