"""Which JSON Schema keywords the compiler honours, ignores or refuses, and the walk that checks them.

Every subschema of every input file is checked once, used or not, so a refused keyword is reported
wherever it is written (E012) rather than silently dropped; our own ``x-`` keywords are checked for
shape (E015); keywords that are not JSON Schema at all are reported as ignored (W011).
"""

from __future__ import annotations

from typing import Any

from codegen.diagnostics import Diagnostics
from codegen.frontends.json_locations import join
from codegen.frontends.jsonschema_files import SchemaFile

# Keywords that shape the generated types.
HONOURED = frozenset(
    {
        "type", "enum", "const", "properties", "required", "additionalProperties", "items", "prefixItems",
        "additionalItems", "allOf", "anyOf", "oneOf", "$ref", "$defs", "definitions", "format", "minLength",
        "maxLength", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
        "minItems", "maxItems", "uniqueItems", "default", "description", "deprecated", "examples",
        "contentEncoding", "discriminator",
    }
)  # fmt: skip
# Annotations that change nothing the compiler produces.
IGNORED = frozenset(
    {
        "title", "$comment", "$id", "$schema", "$anchor", "$dynamicAnchor", "$recursiveAnchor", "$vocabulary",
        "readOnly", "writeOnly", "contentMediaType",
    }
)  # fmt: skip
OURS = frozenset({"x-contract", "x-pii", "x-classification", "x-decimal", "x-deprecated"})
# Keywords that only annotate a field or record: they never change the type.
ANNOTATIONS = IGNORED | OURS | {"description", "deprecated", "examples", "default", "discriminator"}

# Validation keywords the generated records cannot enforce, and why.
REFUSED = {
    "not": "a negated schema has no record type",
    "if": "conditional schemas (if/then/else) cannot be represented by record types",
    "then": "conditional schemas (if/then/else) cannot be represented by record types",
    "else": "conditional schemas (if/then/else) cannot be represented by record types",
    "dependentRequired": "presence rules between properties cannot be represented by record types",
    "dependentSchemas": "presence rules between properties cannot be represented by record types",
    "dependencies": "presence rules between properties cannot be represented by record types",
    "patternProperties": "properties named by a pattern have no field names; use additionalProperties for a map",
    "propertyNames": "rules on map keys cannot be enforced; use a map without them",
    "unevaluatedProperties": "use additionalProperties: false to close a record",
    "unevaluatedItems": "use items / prefixItems instead",
    "contains": "rules on some items of an array cannot be represented; type every item with items",
    "minContains": "rules on some items of an array cannot be represented; type every item with items",
    "maxContains": "rules on some items of an array cannot be represented; type every item with items",
    "minProperties": "a record has a fixed set of fields; property counts cannot be enforced",
    "maxProperties": "a record has a fixed set of fields; property counts cannot be enforced",
    "$dynamicRef": "dynamic references are not supported; use $ref",
    "$recursiveRef": "recursive references are not supported; use $ref",
    "contentSchema": "schemas of encoded content are not supported",
    "nullable": "OpenAPI's nullable is not JSON Schema; write type: [..., 'null']",
}

# Where subschemas sit: keyword -> how its value holds them.
SCHEMA_VALUE = ("additionalProperties", "items", "additionalItems")
SCHEMA_LIST = ("allOf", "anyOf", "oneOf", "prefixItems", "items")
SCHEMA_MAP = ("properties", "$defs", "definitions")


def check_keywords(f: SchemaFile, diags: Diagnostics) -> None:
    """Reports refused, unknown and malformed keywords in every subschema of ``f``."""
    stack: list[tuple[str, Any]] = [("", f.doc)]
    while stack:
        pointer, node = stack.pop()
        if isinstance(node, dict):
            _check_node(f, pointer, node, diags)
            stack.extend(_subschemas(pointer, node, f))


def _subschemas(pointer: str, node: dict[str, Any], f: SchemaFile) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key in SCHEMA_VALUE:
        if isinstance(node.get(key), dict):
            out.append((join(pointer, key), node[key]))
    for key in SCHEMA_LIST:
        if isinstance(node.get(key), list):
            out.extend((join(pointer, key, i), v) for i, v in enumerate(node[key]))
    for key in SCHEMA_MAP:
        if isinstance(node.get(key), dict):
            out.extend((join(pointer, key, name), v) for name, v in node[key].items())
    return out


def _check_node(f: SchemaFile, pointer: str, node: dict[str, Any], diags: Diagnostics) -> None:
    for key, value in node.items():
        problem = _keyword_problem(f, pointer, key, value)
        if problem is not None:
            diags.report(f.loc(join(pointer, key)), *problem)  # located only when reported: it costs a scan
    if "$ref" in node and not f.draft.modern:
        for key in node:
            if key not in ANNOTATIONS and key not in ("$ref", "$defs", "definitions") and key not in REFUSED:
                message = f"keyword '{key}' next to $ref is ignored by {f.draft.name}: wrap both in allOf"
                diags.report(f.loc(join(pointer, key)), "E012", message)


def _keyword_problem(f: SchemaFile, pointer: str, key: str, value: Any) -> tuple[str, str] | None:
    """(code, message) for a keyword of ours that is malformed, or one refused or unknown."""
    if key in OURS:
        problem = _our_keyword_problem(key, value, pointer)
        return ("E015", problem) if problem else None
    if key == "discriminator" and not (isinstance(value, dict) and isinstance(value.get("propertyName"), str)):
        return "E015", "discriminator must be an object with a string 'propertyName'"
    if key in REFUSED:
        return "E012", f"keyword '{key}' is not supported: {REFUSED[key]}"
    if key == "prefixItems" and not f.draft.modern:
        return "E012", f"keyword 'prefixItems' is not part of {f.draft.name}: use array-form items"
    if key == "additionalItems" and value is not False:
        return "E012", "keyword 'additionalItems' with a schema is not supported: a tuple's items are all listed"
    if key not in HONOURED and key not in IGNORED and not key.startswith("x-"):
        return "W011", f"unknown keyword '{key}' is ignored (custom keywords must start with 'x-')"
    return None


def _our_keyword_problem(key: str, value: Any, pointer: str) -> str | None:
    if key == "x-contract":
        return None if pointer == "" else "x-contract belongs at the root of a contract file"
    if key in ("x-pii", "x-deprecated"):
        return None if isinstance(value, bool) else f"{key} must be true or false"
    if key == "x-classification":
        return None if isinstance(value, str) else f"{key} must be a string"
    if key == "x-decimal":
        return decimal_problem(value)
    return None


def decimal_problem(value: Any) -> str | None:
    """x-decimal is {precision, scale}: 1 <= precision, 0 <= scale <= precision."""
    if not isinstance(value, dict) or set(value) - {"precision", "scale"}:
        return "x-decimal must be an object with 'precision' and 'scale'"
    precision, scale = value.get("precision"), value.get("scale", 0)
    if not isinstance(precision, int) or isinstance(precision, bool) or precision < 1:
        return "x-decimal.precision must be a positive integer"
    if not isinstance(scale, int) or isinstance(scale, bool) or not 0 <= scale <= precision:
        return "x-decimal.scale must be an integer between 0 and the precision"
    return None
