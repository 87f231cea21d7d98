"""The AsyncAPI documents name the content type the generated producers send: protobuf contracts are
``application/x-protobuf`` under the default ``wire: auto``, as the python-ports emitter chooses, and the
asyncapi emitter's own ``wire`` option follows python-ports' option of that name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from contract_runtime.ports import _headers

from codegen import ir
from codegen.config import Config
from codegen.diagnostics import ContractError
from codegen.emitters.docs_asyncapi import JSON, PROTOBUF, AsyncApiEmitter, content_type
from codegen.emitters.python_ports import PortsModule
from codegen.pipeline import render
from tests.docs.conftest import example_contracts
from tests.docs.test_asyncapi import errors

EMITTER = AsyncApiEmitter()


def documents(contracts: tuple[ir.Contract, ...], **options: object) -> dict[str, dict[str, object]]:
    files = EMITTER.generate(contracts, EMITTER.parse_options(options))
    return {f.path: json.loads(f.content) for f in files}


def message(doc: dict[str, object]) -> dict[str, object]:
    components = doc["components"]
    assert isinstance(components, dict)
    (only,) = components["messages"].values()
    assert isinstance(only, dict)
    return only


def streaming(contracts: tuple[ir.Contract, ...]) -> tuple[ir.Contract, ...]:
    return tuple(c for c in contracts if any(isinstance(p, ir.StreamPort) for p in c.ports))


def test_the_runtime_sends_the_content_types_the_documents_name() -> None:
    assert (JSON, PROTOBUF) == (_headers.JSON, _headers.PROTOBUF)


def test_by_default_a_protobuf_contract_is_documented_as_protobuf() -> None:
    docs = documents(example_contracts())
    orders = docs["asyncapi/orders.order-events.json"]
    assert orders["defaultContentType"] == PROTOBUF
    assert message(orders)["contentType"] == PROTOBUF
    assert message(orders)["x-protobuf-message"] == "acme.sales.v1.OrderPlaced"
    # The payload is still described field by field, and the example still fits the document.
    assert message(orders)["payload"] == {"$ref": "#/components/schemas/OrderPlaced"}
    for path, doc in docs.items():
        assert errors(doc) == [], path
        if path != "asyncapi/orders.order-events.json":  # the JSON Schema contracts
            assert doc["defaultContentType"] == message(doc)["contentType"] == JSON, path
            assert "x-protobuf-message" not in message(doc), path


def test_the_committed_document_says_protobuf() -> None:
    path = Path(__file__).resolve().parents[2] / "generated" / "asyncapi" / "orders.order-events.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["defaultContentType"] == message(doc)["contentType"] == PROTOBUF


@pytest.mark.parametrize("wire", ["auto", "json", "protobuf"])
def test_the_content_type_follows_the_python_ports_choice(wire: str) -> None:
    contracts = streaming(example_contracts())
    if wire == "protobuf":  # python-ports refuses it for a JSON Schema contract, and so does asyncapi
        contracts = tuple(c for c in contracts if c.source.language is ir.SchemaLanguage.PROTOBUF)
    assert contracts
    for c in contracts:
        ports = PortsModule(c, "m", wire)
        assert not ports.problems
        assert (content_type(c, wire) == PROTOBUF) is ports.protobuf, (c.name, wire)
    for path, doc in documents(contracts, wire=wire).items():
        assert errors(doc) == [], path
        assert doc["defaultContentType"] == message(doc)["contentType"]


def test_wire_json_documents_a_protobuf_contract_as_json() -> None:
    doc = documents(example_contracts(), wire="json")["asyncapi/orders.order-events.json"]
    assert doc["defaultContentType"] == message(doc)["contentType"] == JSON
    assert "x-protobuf-message" not in message(doc)


def test_wire_protobuf_needs_protobuf_contracts() -> None:
    with pytest.raises(ContractError) as caught:
        documents(example_contracts(), wire="protobuf")
    codes = {d.code for d in caught.value.diagnostics}
    assert codes == {"E050"}
    assert all("needs a protobuf contract" in d.message for d in caught.value.diagnostics)


def test_an_unknown_wire_is_a_configuration_error() -> None:
    with pytest.raises(ContractError, match="is not auto, json or protobuf"):
        documents(example_contracts(), wire="avro")


def test_the_option_reaches_the_emitter_through_the_configuration(tmp_path: Path) -> None:
    contracts = example_contracts()

    def rendered(options: dict[str, dict[str, object]]) -> dict[str, object]:
        config = Config(inputs=(), output=tmp_path, proto_paths=(), emit=("asyncapi",), emitter_options=options)
        files = {f.path: f.content for f in render(contracts, config)}
        doc = json.loads(files["asyncapi/orders.order-events.json"])
        assert isinstance(doc, dict)
        return doc

    assert rendered({})["defaultContentType"] == PROTOBUF
    assert rendered({"asyncapi": {"wire": "json"}})["defaultContentType"] == JSON
    with pytest.raises(ContractError, match="invalid options"):
        rendered({"asyncapi": {"wires": "json"}})
