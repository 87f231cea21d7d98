"""Jinja2 for file-shaped output (TOML, Markdown, YAML, SQL, HTML).

StrictUndefined turns a missing variable into an error instead of an empty string; logic lives in the
view models the emitters build, and the filters here are the only way text from a contract reaches
a template, each escaping for its target syntax.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import jinja2


def templates_dir() -> Path:
    """`templates/` in a source checkout; `codegen/_templates` inside an installed wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "templates", here / "_templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("contract-codegen templates not found")


def toml_str(value: object) -> str:
    """A TOML basic string: JSON string escaping is a valid subset of TOML's."""
    return json.dumps(str(value), ensure_ascii=False)


def py_str(value: object) -> str:
    """A Python string literal that no content can break out of."""
    return repr(str(value))


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def md_text(value: object) -> str:
    """Markdown-escaped inline text: contract text shows as written, never as markup or HTML."""
    text = " ".join(str(value).split())
    return _MD_SPECIAL.sub(r"\\\1", text.replace("&", "&amp;"))


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=jinja2.select_autoescape(["html", "html.j2"]),
    )
    env.filters.update(toml_str=toml_str, py_str=py_str, md_text=md_text)
    return env


def render_template(name: str, view: dict[str, object]) -> bytes:
    return environment().get_template(name).render(**view).encode("utf-8")
