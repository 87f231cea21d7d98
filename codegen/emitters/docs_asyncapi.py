"""The asyncapi emitter: an AsyncAPI 3.0 document per stream port of each contract.

``asyncapi/<contract>.<port>.json`` (JSON is valid YAML) describes what the contract's owner sends:
one channel at the port's subject, one ``send`` operation, one message whose payload is the port's
record in AsyncAPI's schema format (every record and enum under ``components/schemas``), with the
docs' example payload. The tests validate each document against the official AsyncAPI 3.0 schema.

The content type is what the generated producers send: option ``wire`` (``auto``, ``json`` or
``protobuf``) chooses as the python-ports emitter's option of that name does, so both must agree;
under ``auto`` a protobuf contract's messages are ``application/x-protobuf``, others JSON. The payload
schema stays an AsyncAPI Schema Object for protobuf too: it describes the record's fields (as protobuf's
JSON mapping spells them), which every AsyncAPI tool reads; the content type says how they are encoded,
and ``x-protobuf-message`` names the protobuf message to decode them with. (AsyncAPI 3.0 lists no
protobuf schema format; the community one, ``application/vnd.google.protobuf;version=3``, takes the
``.proto`` text inline without imports, which a contract split over several files cannot give.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import msgspec

from codegen import ir
from codegen.diagnostics import ContractError, Diagnostic, Location
from codegen.emitters.base import Emitter, OutputFile
from codegen.emitters.docs_example import example_payload
from codegen.emitters.docs_jsonschema import json_bytes
from codegen.emitters.docs_model import asyncapi_path, contact_href, slugs
from codegen.emitters.docs_schema import JsonObj, SchemaBuilder, contract_annotations

ASYNCAPI_VERSION = "3.0.0"
# As the runtime's producers send them (contract_runtime.ports._headers).
JSON = "application/json"
PROTOBUF = "application/x-protobuf"
WIRES = ("auto", "json", "protobuf")
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def component_id(text: str) -> str:
    """Channel, operation and message ids: letters, digits, '_' and '-' only."""
    return _ID_UNSAFE.sub("_", text).strip("_") or "port"


class AsyncApiOptions(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    wire: str = "auto"  # auto | json | protobuf: as the python-ports emitter's option of that name


def content_type(c: ir.Contract, wire: str) -> str:
    """The content type the generated producers of ``c`` send under ``wire`` (python-ports' choice)."""
    is_proto = c.source.language is ir.SchemaLanguage.PROTOBUF
    return PROTOBUF if wire == "protobuf" or (wire == "auto" and is_proto) else JSON


class AsyncApiEmitter(Emitter[AsyncApiOptions]):
    name = "asyncapi"
    description = "an AsyncAPI 3.0 document per stream port (payload schemas, example messages)"
    options_type = AsyncApiOptions

    def generate(self, contracts: Sequence[ir.Contract], options: AsyncApiOptions) -> list[OutputFile]:
        if options.wire not in WIRES:
            message = f"asyncapi: wire {options.wire!r} is not auto, json or protobuf"
            raise ContractError([Diagnostic(Location("configuration"), "E050", message)])
        files: list[OutputFile] = []
        problems: list[Diagnostic] = []
        for c, slug in zip(contracts, slugs(contracts), strict=True):
            streams = [p for p in c.ports if isinstance(p, ir.StreamPort)]
            if not streams:
                continue
            if options.wire == "protobuf" and c.source.language is not ir.SchemaLanguage.PROTOBUF:
                text = f"contract {c.name!r}: wire 'protobuf' needs a protobuf contract"
                problems.append(Diagnostic(c.location, "E050", text))
                continue
            example = example_payload(c, SchemaBuilder(c).document())
            media = content_type(c, options.wire)
            for port in streams:
                payload = example.payload if example.valid and port.record == c.root else None
                doc = document(c, port, payload, media)
                files.append(OutputFile(asyncapi_path(slug, port), json_bytes(doc)))
        if problems:
            raise ContractError(problems)
        return files


def document(c: ir.Contract, port: ir.StreamPort, example: ir.JsonValue, media: str = JSON) -> JsonObj:
    builder = SchemaBuilder(c, dialect="asyncapi")
    channel_id, message_id = component_id(port.name), component_id(builder.keys[port.record])
    record = c.record(port.record)
    message: JsonObj = {
        "name": message_id,
        "title": record.name,
        "contentType": media,
        "payload": builder.ref(port.record),
    }
    if media == PROTOBUF and record.proto_full_name:
        message["x-protobuf-message"] = record.proto_full_name
    record_doc = record.description
    if record_doc:
        message["summary"] = record_doc.strip().splitlines()[0]
        message["description"] = record_doc
    if example is not None:
        message["examples"] = [{"name": "example", "payload": example}]
    if port.key_fields:
        message["x-key-fields"] = list(port.key_fields)
    channel: JsonObj = {
        "address": port.subject,
        "title": port.name,
        "messages": {message_id: {"$ref": f"#/components/messages/{message_id}"}},
    }
    if port.retention:
        channel["x-retention"] = port.retention
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "x-generated": f"@generated by contract-codegen from {c.source.path}. DO NOT EDIT.",
        "info": info(c, port),
        "defaultContentType": media,
        "channels": {channel_id: channel},
        "operations": {
            f"publish_{channel_id}": {
                "action": "send",
                "title": f"Publish {record.name}",
                "channel": {"$ref": f"#/channels/{channel_id}"},
                "messages": [{"$ref": f"#/channels/{channel_id}/messages/{message_id}"}],
            }
        },
        "components": {"messages": {message_id: message}, "schemas": builder.definitions()},
    }


def info(c: ir.Contract, port: ir.StreamPort) -> JsonObj:
    out: JsonObj = {"title": f"{c.title or c.name}: {port.name}", "version": c.version}
    if c.description:
        out["description"] = c.description
    if c.owner:
        contact: JsonObj = {"name": c.owner.team}
        href = contact_href(c.owner.contact) if c.owner.contact else None
        if href and href.startswith("mailto:"):
            contact["email"] = href.removeprefix("mailto:")
        elif href:
            contact["url"] = href
        out["contact"] = contact
    if c.tags:
        out["tags"] = [{"name": t} for t in c.tags]
    out["x-contract"] = contract_annotations(c)
    return out
