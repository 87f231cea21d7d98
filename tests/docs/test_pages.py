"""HTML and Markdown pages: content, escaping of hostile text, changelog, file layout."""

from __future__ import annotations

import html.parser
import re

from codegen import ir
from codegen.emitters.docs_markdown import code_span, fence
from codegen.emitters.docs_model import ChangeNote, VersionChanges
from tests.docs.conftest import INJECT, generate_docs, hostile_contract


class _Collector(html.parser.HTMLParser):
    """Every tag and attribute of a page, to prove what the browser would see."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parse(content: bytes) -> list[tuple[str, dict[str, str | None]]]:
    collector = _Collector()
    collector.feed(content.decode())
    return collector.tags


def test_layout(contracts: tuple[ir.Contract, ...], docs: dict[str, bytes]) -> None:
    html_pages = sorted(p for p in docs if p.startswith("docs/html/") and p.endswith(".html"))
    assert "docs/html/index.html" in html_pages and len(html_pages) == len(contracts) + 1
    assert {"docs/html/assets/catalog.css", "docs/html/assets/search.js"} <= set(docs)
    assert len([p for p in docs if p.startswith("docs/md/")]) == len(contracts) + 1


def test_contract_page_shows_the_contract(docs: dict[str, bytes]) -> None:
    page = docs["docs/html/orders.html"].decode()
    for text in ("sales-platform", "sales.orders.v1", "sales.orders", "BACKWARD", "99.9 %", "PT15M", "1.2.0"):
        assert text in page, text
    assert 'id="record-OrderPlaced.LineItem"' in page and 'href="#record-OrderPlaced.LineItem"' in page
    assert 'id="enum-OrderStatus"' in page and "ORDER_STATUS_SHIPPED" in page
    assert "PII" in page and "deprecated" in page
    assert "from datacontracts.orders import" in page and "pip install &#34;orders-contract&gt;=1,&lt;2&#34;" in page
    assert "No earlier version known." in page


def test_no_external_requests(docs: dict[str, bytes]) -> None:
    for path, content in docs.items():
        if not path.endswith(".html"):
            continue
        for tag, attrs in parse(content):
            for name in ("src", "href"):
                value = attrs.get(name) or ""
                assert not re.match(r"^(https?:)?//", value), (path, tag, value)
        assert b"default-src 'none'" in content


def test_hostile_text_is_escaped_everywhere() -> None:
    files = generate_docs((hostile_contract(),))
    page = files["docs/html/evil-script.html"]
    index = files["docs/html/index.html"]
    for content in (page, index):
        tags = parse(content)
        assert [t for t, _ in tags].count("script") == (1 if content is index else 0)
        assert not [t for t, _ in tags if t == "img"]
        assert not any(k.startswith("on") for _, attrs in tags for k in attrs)
        assert b"&lt;script&gt;" in content
    assert not any(attrs.get("href", "").startswith("javascript:") for _, attrs in parse(page))  # type: ignore[union-attr]
    md = files["docs/md/evil-script.md"].decode()
    prose = strip_code(md)
    raw_tags = re.findall(r"(?<!\\)<(?!a id=\"|/a>|!-- @generated)[^\n]{0,20}", prose)
    assert raw_tags == [] and "](javascript:" not in prose
    assert "\\<script\\>" in prose  # escaped, shown as text
    assert "No example payload" in md


def strip_code(md: str) -> str:
    """Markdown without its code spans: what a renderer could treat as markup (code spans are literal
    text in CommonMark)."""
    return re.sub(r"(?<![`\\])(`+)(?!`).*?(?<!`)\1(?!`)", "", md, flags=re.S)


def test_markdown_helpers() -> None:
    assert fence("a ``` b", "````x") == "`````"
    assert fence("plain") == "```"
    assert code_span("a|b") == "`a\\|b`"
    assert code_span("x`y") == "``x`y``"


def test_changelog_from_findings(contracts: tuple[ir.Contract, ...]) -> None:
    note = ChangeNote("FIELD_REMOVED", f"field email was removed {INJECT}", True, "contracts/orders/orders.proto:9:3")
    changes = VersionChanges("1.1.0", "1.2.0", (note, ChangeNote("FIELD_ADDED", "field note added", False)))

    def history(c: ir.Contract) -> list[VersionChanges] | None:
        return [changes] if c.name == "orders" else None

    files = generate_docs(contracts, history)
    page = files["docs/html/orders.html"].decode()
    assert "1.1.0 → 1.2.0" in page and "FIELD_REMOVED" in page and "breaking" in page and "compatible" in page
    assert "&lt;script&gt;" in page and "No earlier version known." not in page
    md = files["docs/md/orders.md"].decode()
    assert "### 1.1.0 → 1.2.0" in md and "**breaking** `FIELD_REMOVED`" in md
    other = files["docs/html/tree.html"].decode()
    assert "No earlier version known." in other
