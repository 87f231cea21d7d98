"""Writes the protobuf previous/current fixture folders under tests/compat/fixtures/ (one per case).

Each case is the base contract below with text edits applied to the current version (and, for a few,
to the previous one). Run `python -m tests.compat.make_fixtures` after changing a case, then
`UPDATE_COMPAT_EXPECTED=1 pytest tests/compat` to rewrite expected.txt, and review the diff.
"""

from __future__ import annotations

import shutil
from pathlib import Path

HERE = Path(__file__).parent / "fixtures"

BASE = """\
syntax = "proto3";

package acme.fx.v1;

import "contract/v1/options.proto";

option (contract.v1.contract) = {
  name: "fx"
  version: "1.0.0"
  owner { team: "fx-team" }
  slo { freshness: "PT15M" availability: 0.99 }
  ports { name: "events" stream { subject: "fx.events.v1" key_fields: "id" retention: "P7D" } }
};

// Whether the event is live.
enum Status {
  STATUS_UNSPECIFIED = 0;
  STATUS_ON = 1;
  STATUS_OFF = 2;
}

// One event.
message Event {
  string id = 1;
  int32 count = 2;
  Status status = 3;
  repeated string tags = 4;
  optional string note = 5;
  oneof payload {
    string text = 6;
    int64 number = 7;
  }
  string email = 8 [(contract.v1.field) = { pii: true classification: "confidential" }];
  string code = 9 [(contract.v1.field) = { constraints { max_length: 10 } }];
  Inner inner = 10;

  // A nested record.
  message Inner {
    string a = 1;
  }
}
"""

Edit = tuple[str, str]
# case -> (edits to current, edits to previous)
CASES: dict[str, tuple[list[Edit], list[Edit]]] = {
    "clean_comment_only": ([("// One event.", "// One event, documented better.")], []),
    "field_added": ([("  Inner inner = 10;\n", "  Inner inner = 10;\n  string extra = 11;\n")], []),
    "field_deleted": ([("  int32 count = 2;\n", "")], []),
    "field_deleted_number_reserved": ([("  int32 count = 2;\n", "  reserved 2;\n")], []),
    "field_deleted_both_reserved": ([("  int32 count = 2;\n", '  reserved 2;\n  reserved "count";\n')], []),
    "field_renamed": ([("int32 count = 2;", "int32 total = 2;")], []),
    "field_renumbered": ([("int32 count = 2;", "int32 count = 11;")], []),
    "field_renumbered_old_reserved": ([("  int32 count = 2;\n", "  int32 count = 11;\n  reserved 2;\n")], []),
    "type_int32_to_int64": ([("int32 count = 2;", "int64 count = 2;")], []),
    "type_int32_to_uint32": ([("int32 count = 2;", "uint32 count = 2;")], []),
    "type_int32_to_string": ([("int32 count = 2;", "string count = 2;")], []),
    "type_int32_to_sint32": ([("int32 count = 2;", "sint32 count = 2;")], []),
    "type_string_to_bytes": ([("string id = 1;", "bytes id = 1;")], []),
    "type_enum_to_int32": ([("Status status = 3;", "int32 status = 3;")], []),
    "cardinality_to_repeated": ([("int32 count = 2;", "repeated int32 count = 2;")], []),
    "cardinality_to_explicit_presence": ([("int32 count = 2;", "optional int32 count = 2;")], []),
    "json_name_changed": ([("int32 count = 2;", 'int32 count = 2 [json_name = "cnt"];')], []),
    "enum_value_deleted": ([("  STATUS_OFF = 2;\n", "")], []),
    "enum_value_deleted_reserved": ([("  STATUS_OFF = 2;\n", '  reserved 2;\n  reserved "STATUS_OFF";\n')], []),
    "enum_value_renamed": ([("STATUS_OFF = 2;", "STATUS_DISABLED = 2;")], []),
    "message_deleted": (
        [
            ("  Inner inner = 10;\n", '  reserved 10;\n  reserved "inner";\n'),
            ("  // A nested record.\n", ""),
            ("  message Inner {\n    string a = 1;\n  }\n", ""),
        ],
        [],
    ),
    "oneof_membership_changed": ([("    int64 number = 7;\n  }\n", "  }\n  int64 number = 7;\n")], []),
    "package_changed": ([("package acme.fx.v1;", "package acme.fx.v2;")], []),
    "reserved_deleted": ([], [("  Inner inner = 10;\n", "  Inner inner = 10;\n  reserved 20;\n")]),
    "pii_dropped": ([('{ pii: true classification: "confidential" }', '{ classification: "public" }')], []),
    "constraint_tightened": ([("max_length: 10", "max_length: 5")], []),
    "constraint_loosened": ([("max_length: 10", "max_length: 50")], []),
    "port_renamed": ([('name: "events"', 'name: "event-stream"')], []),
    "port_rekeyed": ([('key_fields: "id"', 'key_fields: "code"')], []),
    "slo_weakened": ([('freshness: "PT15M"', 'freshness: "PT1H"')], []),
}


# A plain schema (no contract metadata): compared file by file as buf does, with what a file declares
# besides types (options, services, extensions).
PLAIN_BASE = """\
syntax = "proto2";

package acme.plain.v1;

option java_package = "com.acme.plain";

enum Kind {
  KIND_A = 0;
  KIND_B = 1;
}

message Thing {
  optional string name = 1;
  optional int64 big = 2 [jstype = JS_STRING];
  optional string blob = 3 [ctype = CORD];
  optional Kind kind = 4;
  extensions 100 to 199;
}

message Ask {
  optional string q = 1;
}

extend Thing {
  optional int32 score = 100;
}

service Things {
  rpc Get(Ask) returns (Thing);
  rpc Watch(Ask) returns (stream Thing);
}
"""
# The same schema in proto3: no labels, no extensions, no ctype.
TO_PROTO3: list[Edit] = [
    ('syntax = "proto2";', 'syntax = "proto3";'),
    ("  optional string name = 1;", "  string name = 1;"),
    ("  optional int64 big = 2", "  int64 big = 2"),
    ("  optional string blob = 3 [ctype = CORD];", "  string blob = 3;"),
    ("  optional Kind kind = 4;\n  extensions 100 to 199;\n", "  Kind kind = 4;\n"),
    ("  optional string q = 1;", "  string q = 1;"),
    ("extend Thing {\n  optional int32 score = 100;\n}\n\n", ""),
]
# A message shaped as a map's entry, for a map turned into a repeated field of the same bytes.
COUNTS_ENTRY = "message CountsEntry {\n  optional string key = 1;\n  optional int32 value = 2;\n}\n\n"
PLAIN_CASES: dict[str, tuple[list[Edit], list[Edit]]] = {
    "plain_clean": ([], []),
    "plain_file_option_changed": ([('"com.acme.plain"', '"com.acme.things"')], []),
    "plain_java_utf8_changed": (
        [('"com.acme.plain";', '"com.acme.plain";\noption java_string_check_utf8 = true;')],
        [],
    ),
    "plain_ctype_changed": ([("  optional string blob = 3 [ctype = CORD];", "  optional string blob = 3;")], []),
    "plain_jstype_changed": ([("[jstype = JS_STRING]", "[jstype = JS_NUMBER]")], []),
    "plain_extension_deleted": ([("extend Thing {\n  optional int32 score = 100;\n}\n\n", "")], []),
    "plain_extension_range_narrowed": ([("extensions 100 to 199;", "extensions 100 to 149;")], []),
    "plain_descriptor_accessor_off": (
        [
            (
                "  extensions 100 to 199;\n",
                "  extensions 100 to 199;\n  option no_standard_descriptor_accessor = true;\n",
            )
        ],
        [],
    ),
    "plain_service_deleted": ([("service Things {\n", "service Stuff {\n")], []),
    "plain_rpc_deleted": ([("  rpc Watch(Ask) returns (stream Thing);\n", "")], []),
    "plain_rpc_changed": (
        [
            (
                "rpc Get(Ask) returns (Thing);",
                "rpc Get(stream Ask) returns (Ask) { option idempotency_level = IDEMPOTENT; }",
            )
        ],
        [],
    ),
    "plain_rpc_unstreamed": ([("returns (stream Thing)", "returns (Thing)")], []),
    "plain_field_made_required": ([("  optional string q = 1;", "  required string q = 1;")], []),
    "plain_field_no_longer_required": ([], [("  optional string q = 1;", "  required string q = 1;")]),
    "plain_proto2_to_proto3": (TO_PROTO3, []),
    "plain_proto3_to_proto2": ([], TO_PROTO3),
    # Found by the differential run against buf (tests/compat/proto_fuzz.py):
    # a new package is said once; a type is deleted only if its name within the package is gone.
    "plain_package_changed_and_enum_renamed": (
        [
            ("package acme.plain.v1;", "package acme.plain.v2;"),
            ("enum Kind {\n  KIND_A = 0;\n  KIND_B = 1;", "enum Sort {\n  SORT_A = 0;\n  SORT_B = 1;"),
            ("optional Kind kind = 4;", "optional Sort kind = 4;"),
        ],
        [],
    ),
    # an alias keeps the old name: nothing breaks.
    "plain_enum_alias_added": (
        [("  KIND_B = 1;\n", "  option allow_alias = true;\n  KIND_B = 1;\n  KIND_C = 1;\n")],
        [],
    ),
    # an enum default is its number: a renamed value is ENUM_VALUE_SAME_NAME, not FIELD_SAME_DEFAULT.
    "plain_enum_default_renamed": (
        [("KIND_B", "KIND_C"), ("optional Kind kind = 4;", "optional Kind kind = 4 [default = KIND_C];")],
        [("optional Kind kind = 4;", "optional Kind kind = 4 [default = KIND_B];")],
    ),
    # defaults compare by value across types: int32 1 is bool true.
    "plain_default_retyped": (
        [("  optional string q = 1;\n", "  optional string q = 1;\n  optional bool level = 2 [default = true];\n")],
        [("  optional string q = 1;\n", "  optional string q = 1;\n  optional int32 level = 2 [default = 1];\n")],
    ),
    # jstype means something for 64-bit integers only: a retyped field is FIELD_SAME_TYPE alone.
    "plain_jstype_field_retyped": ([("optional int64 big = 2 [jstype = JS_STRING];", "optional string big = 2;")], []),
    # a map is a JSON object and a repeated field an array: the same bytes, not the same JSON.
    "plain_map_to_repeated": (
        [
            ("  extensions 100 to 199;\n", "  repeated CountsEntry counts = 5;\n  extensions 100 to 199;\n"),
            ("message Ask {", COUNTS_ENTRY + "message Ask {"),
        ],
        [("  extensions 100 to 199;\n", "  map<string, int32> counts = 5;\n  extensions 100 to 199;\n")],
    ),
    # a wrapper is a message on the wire, whatever record type it generates (here a list of bools).
    "plain_wrapper_retyped": (
        [
            (
                'option java_package = "com.acme.plain";\n',
                'option java_package = "com.acme.plain";\n\nimport "google/protobuf/wrappers.proto";\n',
            ),
            (
                "  optional string q = 1;\n",
                "  optional string q = 1;\n  repeated google.protobuf.BoolValue levels = 2;\n",
            ),
        ],
        [("  optional string q = 1;\n", "  optional string q = 1;\n  repeated uint32 levels = 2;\n")],
    ),
    # an extension is compared like a field, paired by extended message and number.
    "plain_extension_retyped": ([("  optional int32 score = 100;", "  optional string score = 100;")], []),
    "plain_extension_renamed": ([("  optional int32 score = 100;", "  optional int32 points = 100;")], []),
    # a map's key and value are judged each on its own: sfixed64 to fixed64 keeps the wire.
    "plain_map_key_retyped": (
        [("  extensions 100 to 199;\n", "  map<fixed64, int32> counts = 5;\n  extensions 100 to 199;\n")],
        [("  extensions 100 to 199;\n", "  map<sfixed64, int32> counts = 5;\n  extensions 100 to 199;\n")],
    ),
}
# Editions: features set per file, message, enum or field decide presence, enum openness, JSON and UTF-8.
EDITIONS_BASE = """\
edition = "2023";

package acme.editions.v1;

option features.field_presence = IMPLICIT;

enum Kind {
  KIND_A = 0;
  KIND_B = 1;
}

message Thing {
  string name = 1;
  int64 count = 2 [features.field_presence = EXPLICIT];
  repeated int32 codes = 3;
  Kind kind = 4 [features.field_presence = EXPLICIT];
  Thing child = 5;
}
"""
# The same schema written in proto3, as it was before a migration to editions.
EDITIONS_AS_PROTO3: list[Edit] = [
    ('edition = "2023";', 'syntax = "proto3";'),
    ("option features.field_presence = IMPLICIT;\n\n", ""),
    ("  int64 count = 2 [features.field_presence = EXPLICIT];", "  optional int64 count = 2;"),
    ("  Kind kind = 4 [features.field_presence = EXPLICIT];", "  optional Kind kind = 4;"),
]
EDITIONS_CASES: dict[str, tuple[list[Edit], list[Edit]]] = {
    "editions_clean": ([], []),
    "editions_from_proto3": ([], EDITIONS_AS_PROTO3),
    "editions_presence_explicit": ([("option features.field_presence = IMPLICIT;\n\n", "")], []),
    "editions_enum_closed": ([("enum Kind {\n", "enum Kind {\n  option features.enum_type = CLOSED;\n")], []),
    "editions_json_best_effort": (
        [
            (
                "option features.field_presence = IMPLICIT;",
                "option features.field_presence = IMPLICIT;\noption features.json_format = LEGACY_BEST_EFFORT;",
            )
        ],
        [],
    ),
    "editions_utf8_none": ([("  string name = 1;", "  string name = 1 [features.utf8_validation = NONE];")], []),
    "editions_legacy_required": (
        [
            (
                "int64 count = 2 [features.field_presence = EXPLICIT];",
                "int64 count = 2 [features.field_presence = LEGACY_REQUIRED];",
            )
        ],
        [],
    ),
    "editions_unpacked": (
        [("  repeated int32 codes = 3;", "  repeated int32 codes = 3 [features.repeated_field_encoding = EXPANDED];")],
        [],
    ),
}
# Cases whose current version is another file: the previous file is deleted.
RENAMED_FILES = {"plain_file_renamed": "things.proto"}
# Cases whose current version moves a message into a second file of the same package (buf's PACKAGE
# category allows it, FILE does not): the edits to fx.proto, and the second file.
MOVED_ASK = "message Ask {\n  optional string q = 1;\n}\n\n"
MOVES: dict[str, tuple[list[Edit], str, str]] = {
    "plain_message_moved": (
        [
            (MOVED_ASK, ""),
            (
                'option java_package = "com.acme.plain";\n',
                'option java_package = "com.acme.plain";\n\nimport "ask.proto";\n',
            ),
        ],
        "ask.proto",
        'syntax = "proto2";\n\npackage acme.plain.v1;\n\n' + MOVED_ASK,
    ),
    "plain_message_moved_and_changed": (
        [
            (MOVED_ASK, ""),
            (
                'option java_package = "com.acme.plain";\n',
                'option java_package = "com.acme.plain";\n\nimport "ask.proto";\n',
            ),
        ],
        "ask.proto",
        'syntax = "proto2";\n\npackage acme.plain.v1;\n\n' + MOVED_ASK.replace("optional string q", "optional int64 q"),
    ),
}

JSON_BASE = """\
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Member",
  "type": "object",
  "x-contract": {
    "name": "members",
    "version": "1.0.0",
    "owner": {"team": "crm"},
    "ports": [{"name": "changes", "stream": {"subject": "members.v1", "key_fields": ["id"]}}]
  },
  "properties": {
    "id": {"type": "string"},
    "age": {"type": "integer", "minimum": 0},
    "nick": {"type": "string", "maxLength": 20},
    "tier": {"type": "string", "enum": ["gold", "silver", "bronze"]},
    "score": {"type": ["number", "null"]},
    "home": {"$ref": "#/$defs/Address"},
    "contact": {"oneOf": [{"type": "string"}, {"type": "integer"}]}
  },
  "required": ["id"],
  "additionalProperties": OPEN,
  "$defs": {
    "Address": {
      "type": "object",
      "properties": {"city": {"type": "string"}},
      "additionalProperties": false
    },
    "Place": {
      "type": "object",
      "properties": {"city": {"type": "string"}},
      "additionalProperties": false
    }
  }
}
"""
OPEN, CLOSED = (
    ('"additionalProperties": OPEN', '"additionalProperties": true'),
    ('"additionalProperties": OPEN', '"additionalProperties": false'),
)
JSON_CASES: dict[str, tuple[list[Edit], list[Edit]]] = {
    "json_clean": ([OPEN], [OPEN]),
    "json_property_added_open": (
        [OPEN, ('"id": {"type": "string"},', '"id": {"type": "string"}, "extra": {"type": "string"},')],
        [OPEN],
    ),
    "json_property_added_closed": (
        [CLOSED, ('"id": {"type": "string"},', '"id": {"type": "string"}, "extra": {"type": "string"},')],
        [CLOSED],
    ),
    "json_property_removed_open": ([OPEN, ('"nick": {"type": "string", "maxLength": 20},', "")], [OPEN]),
    "json_property_removed_closed": ([CLOSED, ('"nick": {"type": "string", "maxLength": 20},', "")], [CLOSED]),
    "json_content_model_closed": ([CLOSED], [OPEN]),
    "json_required_added": ([OPEN, ('"required": ["id"]', '"required": ["id", "nick"]')], [OPEN]),
    "json_type_changed": ([OPEN, ('"age": {"type": "integer", "minimum": 0}', '"age": {"type": "string"}')], [OPEN]),
    "json_null_dropped": ([OPEN, ('"score": {"type": ["number", "null"]}', '"score": {"type": "number"}')], [OPEN]),
    "json_enum_narrowed": ([OPEN, ('["gold", "silver", "bronze"]', '["gold", "silver"]')], [OPEN]),
    # A pattern beside the enum that one of its values fails: that value is no member any more (W012).
    "json_enum_value_refused_by_pattern": (
        [OPEN, ('"enum": ["gold", "silver", "bronze"]', '"enum": ["gold", "silver", "bronze"], "pattern": "^[gs]"')],
        [OPEN],
    ),
    "json_enum_widened": ([OPEN, ('["gold", "silver", "bronze"]', '["gold", "silver", "bronze", "tin"]')], [OPEN]),
    "json_max_length_lowered": ([OPEN, ('"maxLength": 20', '"maxLength": 10')], [OPEN]),
    "json_minimum_raised": ([OPEN, ('"minimum": 0', '"minimum": 18')], [OPEN]),
    "json_pattern_added": ([OPEN, ('"id": {"type": "string"}', '"id": {"type": "string", "pattern": "^m-"}')], [OPEN]),
    "json_ref_changed": ([OPEN, ('"$ref": "#/$defs/Address"', '"$ref": "#/$defs/Place"')], [OPEN]),
    # The definition renamed and its $ref with it: the same documents, only the generated class changes.
    "json_def_renamed": (
        [OPEN, ('"$ref": "#/$defs/Address"', '"$ref": "#/$defs/Location"'), ('"Address": {', '"Location": {')],
        [OPEN],
    ),
    "json_union_narrowed": (
        [OPEN, ('{"oneOf": [{"type": "string"}, {"type": "integer"}]}', '{"type": "string"}')],
        [OPEN],
    ),
    # A variant keeps its type but takes fewer values: VALUES finds it (found by a differential run
    # against documents sampled from the previous schema).
    "json_union_variant_tightened": (
        [
            OPEN,
            (
                '{"oneOf": [{"type": "string"}, {"type": "integer"}]}',
                '{"oneOf": [{"type": "string", "minLength": 2}, {"type": "integer"}]}',
            ),
        ],
        [OPEN],
    ),
}

# A discriminated union of records. Its variants' names are no part of the data; their tags are.
JSON_UNION_BASE = """\
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Payment",
  "x-contract": {"name": "payments", "version": "1.0.0", "owner": {"team": "pay"}},
  "type": "object",
  "required": ["id", "method"],
  "properties": {
    "id": {"type": "string"},
    "method": {
      "oneOf": [{"$ref": "#/$defs/Card"}, {"$ref": "#/$defs/Bank"}, {"$ref": "#/$defs/Voucher"}],
      "discriminator": {"propertyName": "kind"}
    }
  },
  "$defs": {
    "Card": {"type": "object", "required": ["kind"],
      "properties": {"kind": {"const": "card"}, "last4": {"type": "string"}}},
    "Bank": {"type": "object", "required": ["kind"],
      "properties": {"kind": {"const": "bank"}, "iban": {"type": "string"}}},
    "Voucher": {"type": "object", "required": ["kind"],
      "properties": {"kind": {"const": "voucher"}, "code": {"type": "string"}}}
  }
}
"""
RENAME_VARIANTS = [
    ('{"$ref": "#/$defs/Bank"}', '{"$ref": "#/$defs/Transfer"}'),
    ('"Bank": {', '"Transfer": {'),
    ('{"$ref": "#/$defs/Voucher"}', '{"$ref": "#/$defs/Coupon"}'),
    ('"Voucher": {', '"Coupon": {'),
]
JSON_UNION_CASES: dict[str, tuple[list[Edit], list[Edit]]] = {
    # Two variants renamed: paired by their tags, so the same documents and no finding.
    "json_union_variants_renamed": (RENAME_VARIANTS, []),
    # Renamed and changed: the change is found in the variant with the same tag.
    "json_union_variant_renamed_and_changed": (
        [*RENAME_VARIANTS, ('"code": {"type": "string"}', '"code": {"type": "integer"}')],
        [],
    ),
    # A variant left out of the union while its definition stays: documents with kind "voucher" are rejected.
    "json_union_variant_dropped": ([(', {"$ref": "#/$defs/Voucher"}', "")], []),
    # A variant that now also admits null stands for the same documents and more.
    "json_union_variant_nullable": ([('"Bank": {"type": "object",', '"Bank": {"type": ["object", "null"],')], []),
    # The union replaced by one of its records.
    "json_union_to_one_record": (
        [
            (
                '"oneOf": [{"$ref": "#/$defs/Card"}, {"$ref": "#/$defs/Bank"}, {"$ref": "#/$defs/Voucher"}],\n'
                '      "discriminator": {"propertyName": "kind"}',
                '"$ref": "#/$defs/Card"',
            )
        ],
        [],
    ),
}


def apply(text: str, edits: list[Edit]) -> str:
    for old, new in edits:
        if old not in text:
            raise ValueError(f"edit target not found: {old!r}")
        text = text.replace(old, new, 1)
    return text


def write_cases(cases: dict[str, tuple[list[Edit], list[Edit]]], base: str, file_name: str) -> None:
    """Each case's previous and current folder: ``base`` with that side's edits, as ``file_name`` (the
    current side of a RENAMED_FILES case under its new name)."""
    for case, (current_edits, previous_edits) in cases.items():
        for side, edits in (("previous", previous_edits), ("current", current_edits)):
            folder = HERE / case / side
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            name = RENAMED_FILES.get(case, file_name) if side == "current" else file_name
            (folder / name).write_text(apply(base, edits), encoding="utf-8")


def main() -> None:
    write_cases(CASES, BASE, "fx.proto")
    write_cases({**PLAIN_CASES, **dict.fromkeys(RENAMED_FILES, ([], []))}, PLAIN_BASE, "fx.proto")
    write_cases(EDITIONS_CASES, EDITIONS_BASE, "fx.proto")
    write_cases({case: (edits, []) for case, (edits, _, _) in MOVES.items()}, PLAIN_BASE, "fx.proto")
    for case, (_, name, text) in MOVES.items():
        (HERE / case / "current" / name).write_text(text, encoding="utf-8")
    write_cases(JSON_CASES, JSON_BASE, "members.schema.json")
    write_cases(JSON_UNION_CASES, JSON_UNION_BASE, "payments.schema.json")


if __name__ == "__main__":
    main()
