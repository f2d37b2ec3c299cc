"""Check every document template against the models it is given, before anything runs.

Rendering a sample only exercises the branches the sample takes; a misspelt field
in an `{% if %}` the sample skips would still reach a family as an error months
later. So each template is also read as a syntax tree and every attribute path
(`case.child.full_name`, `section.gaps` inside `{% for section in plan.sections %}`)
is followed through the pydantic models' fields and typed properties. A name or
field that does not exist is reported with the template and line.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Union

from docxtpl import DocxTemplate
from jinja2 import Environment, nodes
from pydantic import BaseModel

from ehcp.documents.context import DocumentContext
from ehcp.documents.kinds import TEMPLATED as KINDS
from ehcp.rendering import TEMPLATES, environment

# Names Jinja provides inside templates besides the context.
BUILTINS = {"loop", "caller", "varargs", "kwargs", "self", "super", "true", "false", "none"}
_UNKNOWN = object()  # a value whose type the checker cannot follow (a filter's result, say)


class TemplateCheckError(ValueError):
    pass


@dataclass
class _Checker:
    template: str
    env: Environment
    problems: list[str] = field(default_factory=list)

    def run(self, tree: nodes.Template, roots: dict[str, Any]) -> None:
        scope = {**roots, **{name: _UNKNOWN for name in (*self.env.globals, *BUILTINS)}}
        # A template's macros can be called before the line that defines them.
        scope |= {macro.name: _UNKNOWN for macro in tree.find_all(nodes.Macro)}
        self._block(tree.body, scope)

    def _block(self, body: list[nodes.Node], scope: dict[str, Any]) -> None:
        scope = dict(scope)  # names set in a block stay in it (and in what follows)
        for node in body:
            self._statement(node, scope)

    def _statement(self, node: nodes.Node, scope: dict[str, Any]) -> None:
        if isinstance(node, nodes.For):
            element = _element(self._type(node.iter, scope))
            inner = dict(scope)
            self._bind(node.target, element, inner)
            if node.test is not None:
                self._type(node.test, inner)
            self._block(node.body, inner)
            self._block(node.else_, scope)
        elif isinstance(node, nodes.Assign):
            self._bind(node.target, self._type(node.node, scope), scope)
        elif isinstance(node, nodes.AssignBlock):
            self._block(node.body, scope)
            self._bind(node.target, _UNKNOWN, scope)
        elif isinstance(node, nodes.Macro | nodes.CallBlock):
            inner = dict(scope)
            for arg in node.args:
                inner[arg.name] = _UNKNOWN
            if isinstance(node, nodes.Macro):
                scope[node.name] = _UNKNOWN
            else:
                self._type(node.call, scope)
            self._block(node.body, inner)
        elif isinstance(node, nodes.FromImport):
            for name in node.names:
                scope[name[1] if isinstance(name, tuple) else name] = _UNKNOWN
        elif isinstance(node, nodes.Import):
            scope[node.target] = _UNKNOWN
        elif isinstance(node, nodes.With):
            inner = dict(scope)
            for target, value in zip(node.targets, node.values, strict=True):
                self._bind(target, self._type(value, scope), inner)
            self._block(node.body, inner)
        elif isinstance(node, nodes.Block | nodes.Scope | nodes.ScopedEvalContextModifier):
            self._block(node.body, scope)
        elif isinstance(node, nodes.If):
            self._type(node.test, scope)
            self._block(node.body, scope)
            for branch in node.elif_:
                self._statement(branch, scope)
            self._block(node.else_, scope)
        else:
            for child in node.iter_child_nodes():
                if isinstance(child, nodes.Expr):
                    self._type(child, scope)
                else:
                    self._statement(child, scope)

    def _bind(self, target: nodes.Node, kind: Any, scope: dict[str, Any]) -> None:
        if isinstance(target, nodes.Name):
            scope[target.name] = kind
        elif isinstance(target, nodes.Tuple):
            for item in target.items:
                self._bind(item, _UNKNOWN, scope)

    def _type(self, node: nodes.Node, scope: dict[str, Any]) -> Any:
        """The type an expression evaluates to, reporting unknown names and fields."""
        if isinstance(node, nodes.Name):
            if node.name not in scope:
                self._report(node, f"unknown variable {node.name!r}")
                return _UNKNOWN
            return scope[node.name]
        if isinstance(node, nodes.Getattr):
            return self._attribute(node, self._type(node.node, scope), node.attr)
        if isinstance(node, nodes.Call):
            owner = self._type(node.node, scope)
            children: list[nodes.Node | None] = [*node.args, *node.kwargs, node.dyn_args, node.dyn_kwargs]
            for child in children:
                if child is not None:
                    self._type(child, scope)
            return _returns(owner)
        for child in node.iter_child_nodes():
            self._type(child, scope)
        return _UNKNOWN

    def _attribute(self, node: nodes.Getattr, owner: Any, name: str) -> Any:
        owner = _without_none(owner)
        if isinstance(owner, type) and issubclass(owner, BaseModel):
            if name in owner.model_fields:
                return owner.model_fields[name].annotation
            found = getattr(owner, name, None)
            if isinstance(found, property):
                return _hint(found.fget)
            if callable(found):
                return ("method", found)
            self._report(node, f"{owner.__name__} has no field {name!r} (in {_dotted(node)})")
            return _UNKNOWN
        if owner is date:
            if not hasattr(date, name):
                self._report(node, f"a date has no attribute {name!r} (in {_dotted(node)})")
            return _UNKNOWN
        if owner is str and not hasattr(str, name):
            self._report(node, f"text has no attribute {name!r} (in {_dotted(node)})")
        return _UNKNOWN

    def _report(self, node: nodes.Node, message: str) -> None:
        self.problems.append(f"{self.template}:{node.lineno}: {message}")


def _without_none(kind: Any) -> Any:
    if typing.get_origin(kind) in (Union, types.UnionType):
        rest = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return rest[0] if len(rest) == 1 else _UNKNOWN
    return kind


def _element(kind: Any) -> Any:
    kind = _without_none(kind)
    if typing.get_origin(kind) in (tuple, list):
        return typing.get_args(kind)[0]
    return _UNKNOWN


def _hint(function: Any) -> Any:
    try:
        return typing.get_type_hints(function).get("return", _UNKNOWN)
    except Exception:  # noqa: BLE001 - a hint we cannot resolve is simply not followed
        return _UNKNOWN


def _returns(owner: Any) -> Any:
    if isinstance(owner, tuple) and owner[0] == "method":
        return _hint(owner[1])
    return _UNKNOWN


def _dotted(node: nodes.Node) -> str:
    if isinstance(node, nodes.Getattr):
        return f"{_dotted(node.node)}.{node.attr}"
    if isinstance(node, nodes.Name):
        return node.name
    return "..."


def roots() -> dict[str, Any]:
    return {name: info.annotation for name, info in DocumentContext.model_fields.items()}


def docx_source(path: Path) -> str:
    """The Jinja source docxtpl renders from a Word template (its body, headers and footers)."""
    template = DocxTemplate(path)
    template.init_docx()
    source = template.patch_xml(template.get_xml())
    for uri in (template.HEADER_URI, template.FOOTER_URI):
        for _, part in template.get_headers_footers(uri):
            source += template.patch_xml(template.get_part_xml(part))
    return source


def check_document_templates(templates: Path = TEMPLATES) -> None:
    """Raise naming every template problem found, each with its file and line."""
    from ehcp.documents.render import docx_environment

    problems: list[str] = []
    html = environment(templates)
    names = sorted(str(path.relative_to(templates)) for path in (templates / "letters").glob("*.html"))
    names += sorted(str(path.relative_to(templates)) for path in (templates / "plan").glob("*.html"))
    for kind in KINDS.values():
        if not (templates / kind.template).is_file():
            problems.append(f"templates/{kind.template}: missing (needed for {kind.name})")
    for name in names:
        try:
            source = (templates / name).read_text(encoding="utf-8")
            tree = html.parse(source, name=name)
            html.compile(source, name=name)
        except Exception as error:  # noqa: BLE001 - every syntax error is reported, named
            problems.append(f"templates/{name}: {error}")
            continue
        checker = _Checker(f"templates/{name}", html)
        checker.run(tree, roots())
        problems += checker.problems
    for kind in KINDS.values():
        if kind.format != "docx" or not (templates / kind.template).is_file():
            continue
        env = docx_environment()
        try:
            source = docx_source(templates / kind.template)
            tree = env.parse(source)
            env.compile(source)
        except Exception as error:  # noqa: BLE001
            problems.append(f"templates/{kind.template}: {error}")
            continue
        checker = _Checker(f"templates/{kind.template}", env)
        checker.run(tree, roots())
        # A Word file's "lines" are XML lines: name the paths, which are what to search for.
        problems += [
            problem.split(":", 2)[0] + ": " + problem.split(":", 2)[2] for problem in checker.problems
        ]
    if problems:
        raise TemplateCheckError("document templates do not match their models:\n" + "\n".join(problems))


def check_renders(council) -> None:
    """Render every kind once against the sample case: what the static check cannot see
    (a filter given the wrong type, a docx tag split across Word runs) fails here."""
    from ehcp.documents.render import render
    from ehcp.documents.sample import sample_context

    problems = []
    for kind in KINDS.values():
        try:
            render(kind, sample_context(kind.name, council))
        except Exception as error:  # noqa: BLE001 - each failure is reported, named
            problems.append(f"templates/{kind.template}: {type(error).__name__}: {error}")
    if problems:
        raise TemplateCheckError("document templates do not render:\n" + "\n".join(problems))
