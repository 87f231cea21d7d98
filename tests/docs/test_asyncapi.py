"""AsyncAPI documents validate against the official AsyncAPI 3.0.0 JSON Schema (vendored under
tests/docs/asyncapi/, see its README) and carry the contract's payload schema and example."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path

import jsonschema

from codegen import ir
from codegen.emitters.docs_asyncapi import AsyncApiEmitter
from tests.docs.conftest import hostile_contract

SPEC = Path(__file__).parent / "asyncapi" / "asyncapi-3.0.0.schema.json"


@functools.cache
def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SPEC.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def errors(doc: object) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator().iter_errors(doc)]


def test_one_document_per_stream_port(contracts: tuple[ir.Contract, ...], docs: dict[str, bytes]) -> None:
    streams = sum(1 for c in contracts for p in c.ports if isinstance(p, ir.StreamPort))
    documents = [p for p in docs if p.startswith("asyncapi/")]
    assert streams >= 1 and len(documents) == streams


def test_documents_validate_against_the_official_schema(docs: dict[str, bytes]) -> None:
    for path, content in docs.items():
        if path.startswith("asyncapi/"):
            assert errors(json.loads(content)) == [], path


def test_the_official_schema_catches_a_broken_document(docs: dict[str, bytes]) -> None:
    doc = json.loads(docs["asyncapi/orders.order-events.json"])
    broken = copy.deepcopy(doc)
    broken["operations"]["publish_order-events"]["action"] = "publish"  # AsyncAPI 2 wording, not 3
    assert errors(broken)
    del doc["info"]["version"]
    assert errors(doc)


def test_orders_document_content(docs: dict[str, bytes]) -> None:
    doc = json.loads(docs["asyncapi/orders.order-events.json"])
    assert doc["asyncapi"] == "3.0.0"
    assert doc["channels"]["order-events"]["address"] == "sales.orders.v1"
    message = doc["components"]["messages"]["OrderPlaced"]
    assert message["payload"] == {"$ref": "#/components/schemas/OrderPlaced"}
    assert message["examples"][0]["payload"]["currency"] == "EUR"
    assert doc["info"]["contact"]["email"] == "sales-platform@acme.example"
    # The payload schema resolves inside the document and accepts the example.
    payload_schema = {**doc["components"]["schemas"]["OrderPlaced"], "components": doc["components"]}
    jsonschema.Draft7Validator(payload_schema).validate(message["examples"][0]["payload"])


def test_hostile_texts_still_give_a_valid_document() -> None:
    files = AsyncApiEmitter().generate([hostile_contract()], AsyncApiEmitter().parse_options({}))
    assert [f.path for f in files] == ["asyncapi/evil-script.evil-port.json"]
    doc = json.loads(files[0].content)
    assert errors(doc) == []
    assert "contact" in doc["info"] and "url" not in doc["info"]["contact"]  # javascript: is no link
