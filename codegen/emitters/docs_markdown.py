"""The docs-md emitter: one Markdown page per contract (for repositories and wikis) and an index.

Contract text goes through ``md_text`` (escapes Markdown and HTML); code blocks are fenced with more
backticks than their content holds, so no example or description can close them early.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from codegen import ir
from codegen.emitters.base import Emitter, OutputFile
from codegen.emitters.docs_html import DocsOptions
from codegen.emitters.docs_model import History, TypePart, ViewBuilder
from codegen.templating import _MD_SPECIAL, render_template

ROOT = "docs/md"
_TICKS = re.compile(r"`+")


def fence(*texts: str) -> str:
    longest = max((len(m) for t in texts for m in _TICKS.findall(t)), default=0)
    return "`" * max(3, longest + 1)


def code_span(text: str) -> str:
    """Inline code that survives backticks and pipes in the text (tables)."""
    ticks = "`" * (max((len(m) for m in _TICKS.findall(text)), default=0) + 1)
    body = " ".join(text.split()).replace("|", "\\|")
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    return f"{ticks}{pad}{body}{pad}{ticks}"


def md_type(parts: Sequence[TypePart]) -> str:
    """A field's type with links to records and enums; text escaped part by part, spaces kept."""
    out = []
    for p in parts:
        text = _MD_SPECIAL.sub(r"\\\1", p.text.replace("&", "&amp;"))
        out.append(f"[{text}]({p.href})" if p.href else text)
    return "".join(out)


class DocsMarkdownEmitter(Emitter[DocsOptions]):
    name = "docs-md"
    description = "Markdown documentation per contract, for repositories and wikis"
    options_type = DocsOptions

    def __init__(self, history: History | None = None) -> None:
        self.history = history

    def generate(self, contracts: Sequence[ir.Contract], options: DocsOptions) -> list[OutputFile]:
        views = ViewBuilder(contracts, options.package, self.history).views()
        files: list[OutputFile] = []
        for v in views:
            texts = [v.example_json or "", v.usage.snippet, v.usage.install]
            view = {"c": v, "fence": fence(*texts), "code": code_span, "md_type": md_type}
            page = render_template("docs/md/contract.md.j2", view)
            files.append(OutputFile(f"{ROOT}/{v.slug}.md", page))
        ordered = sorted(views, key=lambda v: (v.title.lower(), v.slug))
        index = render_template("docs/md/index.md.j2", {"contracts": ordered, "code": code_span})
        files.append(OutputFile(f"{ROOT}/README.md", index))
        return sorted(files)
