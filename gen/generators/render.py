"""The Jinja2 environment that renders the generated conformance tests.

Values never reach a template as raw text: every value goes through the
``py`` filter, which prints a Python expression that evaluates to exactly
that :mod:`conformance.values` value (strings via ``repr``, so quotes, backslashes
and newlines are escaped; model values as their declared names or as
``ModelValue('...')``; sets and functions sorted, so the bytes are the same
on every run whatever ``PYTHONHASHSEED`` is).
"""

from __future__ import annotations

import dataclasses
import keyword
from collections.abc import Iterable
from pathlib import Path

import jinja2

from conformance.values import FnValue, ModelValue, TlaValue
from gen.bridge import java

__all__ = ["RenderError", "environment", "py_literal", "py_identifier"]

TEMPLATES = Path(__file__).parent / "templates"


class RenderError(ValueError):
    """A value or name that cannot be rendered as Python source."""


def py_identifier(name: str) -> bool:
    """Whether ``name`` can stand as a bare Python name for a model value."""
    return name.isidentifier() and name.isascii() and not keyword.iskeyword(name) and name not in _RESERVED


# Names the generated modules bind themselves: a model value must not shadow them.
_RESERVED = frozenset(
    {
        "FnValue",
        "ModelValue",
        "Step",
        "graph",
        "run",
        "pytest",
        "annotations",
        "None",
        "True",
        "False",
        "frozenset",
        "tuple",
        "dict",
        "int",
        "str",
        "bool",
    }
)


def py_literal(value: TlaValue, names: Iterable[str] = ()) -> str:
    """A Python expression equal to ``value``; model values in ``names`` print as bare names."""
    bare = frozenset(names)
    return _literal(value, bare)


def _literal(value: TlaValue, bare: frozenset[str]) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, ModelValue):
        return value.name if value.name in bare else f"ModelValue({value.name!r})"
    if isinstance(value, tuple):
        items = [_literal(item, bare) for item in value]
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    if isinstance(value, frozenset):
        if not value:
            return "frozenset()"
        return "frozenset({" + ", ".join(sorted(_literal(v, bare) for v in value)) + "})"
    if isinstance(value, FnValue):
        # Sorted by the keys' own text: any keys (even TLC-unprintable ones) sort, and the same way every run.
        keyed = sorted(((_literal(k, bare), k) for k in value), key=lambda pair: pair[0])
        return "FnValue({" + ", ".join(f"{text}: {_literal(value[k], bare)}" for text, k in keyed) + "})"
    raise RenderError(f"{value!r} ({type(value).__name__}) is not a conformance.values value")


def _docstring(text: str) -> str:
    """A triple-quoted docstring body: every backslash and quote escaped, so nothing ends it early."""
    out = []
    for char in text:
        if char in '\\"':
            out.append("\\" + char)
        elif char == "\n" or char.isprintable():
            out.append(char)
        else:  # \r would read back as \n, NUL is not allowed in source: escape like repr does
            out.append(repr(char)[1:-1])
    return "".join(out)


def _comment(text: str) -> str:
    """One line of comment text: a newline would end the comment and start code, NUL is not source."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _config_fields(config: object) -> list[tuple[str, object]]:
    """A dataclass's fields and values in declaration order (``Config`` in the generated modules)."""
    if not dataclasses.is_dataclass(config) or isinstance(config, type):
        raise RenderError(f"{config!r} is not a Config")
    return [
        (field.name, getattr(config, field.name))
        for field in dataclasses.fields(config)
        if not (field.metadata.get("render_only_if_set") and getattr(config, field.name) == field.default)
    ]


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # Python source, not HTML: escaping is the filters' job
    )
    env.filters["py"] = py_literal
    env.filters["pystr"] = lambda text: repr(str(text))
    env.filters["docstring"] = _docstring
    env.filters["comment"] = _comment
    env.filters["config_fields"] = _config_fields
    env.globals["tlc"] = java.provenance()
    return env


def render(template: str, **context: object) -> str:
    """Render one template of gen/generators/templates with ``context``."""
    try:
        return environment().get_template(template).render(**context)
    except jinja2.UndefinedError as err:
        raise RenderError(f"template {template}: {err}") from None
