"""The registry of breaking-change rules: each has a stable ID, a one-line purpose, categories and a severity.

Categories follow buf's, nested from strictest to loosest for protobuf (FILE > WIRE_JSON > WIRE), plus two
of our own: VALUES (what the contract validates beyond types: constraints, formats) and METADATA (ports,
PII classification, service levels). For a JSON Schema contract the wire *is* JSON, so its data rules sit in
WIRE, WIRE_JSON and FILE alike.
"""

from __future__ import annotations

import enum

import msgspec

from codegen.diagnostics import Severity
from codegen.ir import SchemaLanguage


class Category(enum.Enum):
    WIRE = "WIRE"
    WIRE_JSON = "WIRE_JSON"
    FILE = "FILE"
    PACKAGE = "PACKAGE"
    VALUES = "VALUES"
    METADATA = "METADATA"


DEFAULT_CATEGORIES = frozenset({Category.FILE, Category.VALUES, Category.METADATA})

# The file options with a FILE_SAME_<OPTION> rule (java_string_check_utf8 is judged per field instead).
FILE_OPTION_RULES = (
    "cc_enable_arenas",
    "cc_generic_services",
    "csharp_namespace",
    "go_package",
    "java_generic_services",
    "java_multiple_files",
    "java_outer_classname",
    "java_package",
    "objc_class_prefix",
    "optimize_for",
    "php_class_prefix",
    "php_metadata_namespace",
    "php_namespace",
    "py_generic_services",
    "ruby_package",
    "swift_prefix",
)
W, J, F, V, M = Category.WIRE, Category.WIRE_JSON, Category.FILE, Category.VALUES, Category.METADATA
P = Category.PACKAGE
PROTO = frozenset({SchemaLanguage.PROTOBUF})
JSON = frozenset({SchemaLanguage.JSON_SCHEMA})
BOTH = PROTO | JSON
ERROR, WARNING = Severity.ERROR, Severity.WARNING


class Rule(msgspec.Struct, frozen=True):
    id: str
    purpose: str
    categories: frozenset[Category]
    severity: Severity
    languages: frozenset[SchemaLanguage]


def _rule(
    id: str, purpose: str, cats: set[Category], langs: frozenset[SchemaLanguage], severity: Severity = ERROR
) -> Rule:
    return Rule(id, purpose, frozenset(cats), severity, langs)


_ALL: list[Rule] = [
    # -- contracts and records (both languages) ------------------------------------------------------
    _rule("CONTRACT_NO_DELETE", "contracts are not deleted (matched by contract name)", {F}, BOTH),
    _rule("CONTRACT_SAME_ROOT", "the contract's root record stays the same", {W, J, F}, BOTH),
    _rule("MESSAGE_NO_DELETE", "records (messages, object definitions) are not deleted", {F}, BOTH),
    _rule("ENUM_NO_DELETE", "enums are not deleted", {F}, BOTH),
    _rule("FIELD_NO_DELETE", "fields are not deleted (generated code loses the attribute)", {F}, BOTH),
    _rule("ENUM_VALUE_NO_DELETE", "enum values are not deleted (generated code loses the member)", {F}, BOTH),
    # -- protobuf, after buf -------------------------------------------------------------------------
    _rule("FILE_SAME_PACKAGE", "the protobuf package stays the same", {W, J, F}, PROTO),
    _rule(
        "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
        "fields are not deleted unless their number is reserved",
        {W, J},
        PROTO,
    ),
    _rule("FIELD_NO_DELETE_UNLESS_NAME_RESERVED", "fields are not deleted unless their name is reserved", {J}, PROTO),
    _rule("FIELD_SAME_NAME", "a field keeps its name (a rename is reported as such)", {J, F}, PROTO),
    _rule(
        "FIELD_SAME_NUMBER",
        "a field keeps its number (a renumbering is reported as such, even with the old number reserved)",
        {W, J, F},
        PROTO,
    ),
    _rule("FIELD_SAME_JSON_NAME", "a field keeps its JSON name", {J, F}, PROTO),
    _rule("FIELD_SAME_TYPE", "a field keeps its exact type", {F}, PROTO),
    _rule("FIELD_WIRE_COMPATIBLE_TYPE", "a field's type stays binary wire-compatible", {W}, PROTO),
    _rule("FIELD_WIRE_JSON_COMPATIBLE_TYPE", "a field's type stays binary and JSON wire-compatible", {J}, PROTO),
    _rule("FIELD_SAME_CARDINALITY", "a field keeps its cardinality (implicit, optional, repeated, map)", {F}, PROTO),
    _rule("FIELD_WIRE_COMPATIBLE_CARDINALITY", "a field does not change between singular and repeated", {W}, PROTO),
    _rule(
        "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
        "a field does not change between singular and repeated (JSON)",
        {J},
        PROTO,
    ),
    _rule("FIELD_SAME_ONEOF", "a field stays in (or out of) the same oneof", {W, J, F}, PROTO),
    _rule("ONEOF_NO_DELETE", "oneofs are not deleted", {F}, PROTO),
    _rule("FIELD_SAME_DEFAULT", "a proto2 field keeps its explicit default", {W, J, F}, PROTO),
    _rule("MESSAGE_SAME_REQUIRED_FIELDS", "no required field is added or deleted", {W, J, F}, PROTO),
    _rule("RESERVED_MESSAGE_NO_DELETE", "reserved numbers and names are not deleted from a message", {W, J, F}, PROTO),
    _rule("RESERVED_ENUM_NO_DELETE", "reserved numbers and names are not deleted from an enum", {W, J, F}, PROTO),
    _rule(
        "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
        "enum values are not deleted unless their number is reserved",
        {W, J},
        PROTO,
    ),
    _rule(
        "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
        "enum values are not deleted unless their name is reserved",
        {J},
        PROTO,
    ),
    _rule("ENUM_VALUE_SAME_NAME", "an enum number keeps its name", {J, F}, PROTO),
    # -- protobuf files, options, services and extensions, after buf ------------------------------------
    _rule("FILE_NO_DELETE", "a schema file without contract metadata (compared as a schema) is not deleted", {F}, BOTH),
    _rule("FILE_SAME_SYNTAX", "a file keeps its syntax (proto2, proto3)", {F}, PROTO),
    *(
        _rule(f"FILE_SAME_{option.upper()}", f"the file option {option} keeps its value", {F}, PROTO)
        for option in FILE_OPTION_RULES
    ),
    _rule(
        "FIELD_SAME_UTF8_VALIDATION",
        "string fields keep their UTF-8 validation (proto2 none, proto3 verify)",
        {F},
        PROTO,
    ),
    _rule(
        "FIELD_SAME_JAVA_UTF8_VALIDATION",
        "string fields keep their Java UTF-8 validation (the java_string_check_utf8 option)",
        {F},
        PROTO,
    ),
    _rule("FIELD_SAME_CPP_STRING_TYPE", "a field keeps its C++ string type (the ctype option)", {F}, PROTO),
    _rule("FIELD_SAME_JSTYPE", "a field keeps its JavaScript type (the jstype option)", {F}, PROTO),
    _rule("ENUM_SAME_TYPE", "an enum stays open (proto3) or closed (proto2)", {F}, PROTO),
    _rule("MESSAGE_SAME_JSON_FORMAT", "a message keeps full JSON support (proto3 to proto2 loses it)", {J, F}, PROTO),
    _rule("ENUM_SAME_JSON_FORMAT", "an enum keeps full JSON support (proto3 to proto2 loses it)", {J, F}, PROTO),
    _rule(
        "MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR",
        "a message does not turn on no_standard_descriptor_accessor",
        {F},
        PROTO,
    ),
    _rule("EXTENSION_NO_DELETE", "extensions declared in a file are not deleted", {F}, PROTO),
    _rule("EXTENSION_MESSAGE_NO_DELETE", "a message's extension ranges are not deleted", {F}, PROTO),
    _rule("SERVICE_NO_DELETE", "services are not deleted", {F}, PROTO),
    _rule("RPC_NO_DELETE", "rpcs are not deleted from a service", {F}, PROTO),
    _rule("RPC_SAME_REQUEST_TYPE", "an rpc keeps its request type", {W, J, F}, PROTO),
    _rule("RPC_SAME_RESPONSE_TYPE", "an rpc keeps its response type", {W, J, F}, PROTO),
    _rule("RPC_SAME_CLIENT_STREAMING", "an rpc stays client-streaming or unary", {W, J, F}, PROTO),
    _rule("RPC_SAME_SERVER_STREAMING", "an rpc stays server-streaming or unary", {W, J, F}, PROTO),
    _rule("RPC_SAME_IDEMPOTENCY_LEVEL", "an rpc keeps its idempotency level", {W, J, F}, PROTO),
    # -- JSON Schema, after Confluent Schema Registry ---------------------------------------------------
    _rule(
        "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
        "a property added to an open object: earlier data may already carry that name with another type",
        {W, J, F},
        JSON,
        WARNING,
    ),
    _rule(
        "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        "a property removed from a closed object: earlier data carrying it is now rejected",
        {W, J, F},
        JSON,
    ),
    _rule("CONTENT_MODEL_CLOSED", "an open object is not closed (additionalProperties narrowed)", {W, J, F}, JSON),
    _rule("REQUIRED_ADDED", "a property does not become required without a default", {W, J, F}, JSON),
    _rule("TYPE_CHANGED", "a property's type does not change to one that rejects earlier values", {W, J, F}, JSON),
    _rule(
        "TYPE_NARROWED", "a property's type is not narrowed (null no longer allowed, int64 to int32)", {W, J, F}, JSON
    ),
    _rule("ENUM_NARROWED", "an enum does not lose values", {W, J, F}, JSON),
    _rule(
        "REF_CHANGED",
        "a $ref keeps pointing at the same definition (its generated class); whether the new one accepts the "
        "same documents is checked on its properties",
        {F},
        JSON,
    ),
    _rule("UNION_NARROWED", "a union (oneOf/anyOf) does not lose variants", {W, J, F}, JSON),
    # -- values the contract validates (both languages) ---------------------------------------------
    _rule("CONSTRAINT_TIGHTENED", "value constraints are not tightened (maxLength down, minimum up, ...)", {V}, BOTH),
    _rule("PATTERN_CHANGED", "a pattern is not added or changed", {V}, BOTH),
    _rule("FORMAT_CHANGED", "a string format (email, uuid, date, decimal digits) is not added or changed", {V}, BOTH),
    # -- contract metadata (both languages) --------------------------------------------------------
    _rule("PORT_NO_DELETE", "output ports are not deleted or renamed", {M}, BOTH),
    _rule("PORT_SAME_KEY", "a port keeps its key fields", {M}, BOTH),
    _rule(
        "PORT_SAME_TARGET",
        "a port keeps its stream subject or table name (the `.v<major>` a major bump gives a subject is no move)",
        {M},
        BOTH,
    ),
    _rule(
        "PORT_TARGET_TAKEN",
        "a port does not write where another contract's port did (a renamed contract: old readers dead-letter it)",
        {M},
        BOTH,
    ),
    _rule("PORT_SAME_RECORD", "a port keeps publishing the same record", {M}, BOTH),
    _rule("PORT_SAME_LAYOUT", "a table port keeps its partitioning and clustering", {M}, BOTH, WARNING),
    _rule("PORT_RETENTION_SHORTENED", "a stream port's retention is not shortened", {M}, BOTH, WARNING),
    _rule("FIELD_PII_DROPPED", "a field marked PII stays marked PII", {M}, BOTH),
    _rule("FIELD_CLASSIFICATION_LOWERED", "a field's classification is not lowered or removed", {M}, BOTH),
    _rule(
        "SLO_WEAKENED", "service levels (freshness, availability, completeness) are not weakened", {M}, BOTH, WARNING
    ),
    _rule("OWNER_REMOVED", "the contract keeps an owner", {M}, BOTH, WARNING),
    _rule("COMPATIBILITY_WEAKENED", "the declared compatibility mode is not weakened", {M}, BOTH, WARNING),
    # -- versioning (check_versions) ---------------------------------------------------------------
    _rule("VERSION_MAJOR_BUMP_REQUIRED", "a breaking change comes with a major version bump", {M}, BOTH),
    _rule("VERSION_BUMP_SUGGESTED", "a compatible change comes with a version bump", {M}, BOTH, WARNING),
    _rule("VERSION_DECREASED", "a contract's version never goes down", {M}, BOTH),
]

# PACKAGE (buf's): the FILE rules except those that pin a type to its file, since within a package a type may
# move between files; the deletions they stood for are judged per package instead (PACKAGE_*_NO_DELETE).
PINNED_TO_FILE = frozenset(
    {"CONTRACT_NO_DELETE", "FILE_NO_DELETE", "MESSAGE_NO_DELETE", "ENUM_NO_DELETE", "SERVICE_NO_DELETE"}
    | {"EXTENSION_NO_DELETE"}
)


def _in_package(rule: Rule) -> Rule:
    if F in rule.categories and rule.id not in PINNED_TO_FILE:
        return Rule(rule.id, rule.purpose, rule.categories | {P}, rule.severity, rule.languages)
    return rule


_ALL = [
    *(_in_package(r) for r in _ALL),
    _rule("PACKAGE_NO_DELETE", "protobuf packages are not deleted", {P}, PROTO),
    _rule(
        "PACKAGE_MESSAGE_NO_DELETE", "messages are not deleted from their package (moving files is fine)", {P}, PROTO
    ),
    _rule("PACKAGE_ENUM_NO_DELETE", "enums are not deleted from their package (moving files is fine)", {P}, PROTO),
    _rule("PACKAGE_SERVICE_NO_DELETE", "services are not deleted from their package", {P}, PROTO),
    _rule("PACKAGE_EXTENSION_NO_DELETE", "extensions are not deleted from their package", {P}, PROTO),
]
RULES: dict[str, Rule] = {r.id: r for r in _ALL}


def parse_categories(names: list[str] | tuple[str, ...]) -> frozenset[Category]:
    """Category names as the user types them; raises ValueError naming the unknown one."""
    out: set[Category] = set()
    for name in names:
        try:
            out.add(Category(name.upper()))
        except ValueError:
            known = ", ".join(c.value for c in Category)
            raise ValueError(f"unknown category {name!r}; known: {known}") from None
    return frozenset(out)


def rules_markdown() -> str:
    """The rule table of docs/breaking-changes.md, generated so the two never drift."""
    lines = ["| rule | categories | severity | languages | purpose |", "|---|---|---|---|---|"]
    for rule in _ALL:
        cats = ", ".join(c.value for c in Category if c in rule.categories)
        langs = ", ".join(sorted(lang.value for lang in rule.languages))
        lines.append(f"| `{rule.id}` | {cats} | {rule.severity.value} | {langs} | {rule.purpose} |")
    return "\n".join(lines) + "\n"
