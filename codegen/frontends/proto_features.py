"""Resolved protobuf features: what proto2, proto3 or an edition means for one element.

proto2 and proto3 fix each feature by their syntax. An edition (``edition = "2023"``) starts from its
defaults and lets a file, a message, an enum or a field override them (``option features.x = ...``); the
innermost setting wins. The lowering asks here instead of testing the syntax, so all three read alike.
"""

from __future__ import annotations

from typing import Any

import msgspec
from google.protobuf import descriptor_pb2
from msgspec.structs import replace

FEATURES = ("field_presence", "enum_type", "repeated_field_encoding", "utf8_validation", "json_format")


class Features(msgspec.Struct, frozen=True):
    field_presence: str  # EXPLICIT, IMPLICIT, LEGACY_REQUIRED
    enum_type: str  # OPEN, CLOSED
    repeated_field_encoding: str  # PACKED, EXPANDED
    utf8_validation: str  # VERIFY, NONE
    json_format: str  # ALLOW, LEGACY_BEST_EFFORT


BY_SYNTAX = {
    "proto2": Features("EXPLICIT", "CLOSED", "EXPANDED", "NONE", "LEGACY_BEST_EFFORT"),
    "proto3": Features("IMPLICIT", "OPEN", "PACKED", "VERIFY", "ALLOW"),
    # The defaults of editions 2023 and 2024 for these five features.
    "editions": Features("EXPLICIT", "OPEN", "PACKED", "VERIFY", "ALLOW"),
}


def resolve(file: descriptor_pb2.FileDescriptorProto, syntax: str, path: tuple[int, ...]) -> Features:
    """The features of the element at ``path`` (a source-location path: message, enum or field)."""
    features = BY_SYNTAX[syntax]
    if syntax != "editions":
        return features
    node: Any = file
    features = _apply(features, node.options.features)
    for number, index in zip(path[::2], path[1::2], strict=True):
        node = getattr(node, node.DESCRIPTOR.fields_by_number[number].name)[index]
        if node.HasField("options"):
            features = _apply(features, node.options.features)
    return features


def _apply(features: Features, overrides: Any) -> Features:
    """``overrides``: a FeatureSet; each feature it sets replaces the inherited one (by value name)."""
    changes = {}
    for name in FEATURES:
        if overrides.HasField(name):
            values = overrides.DESCRIPTOR.fields_by_name[name].enum_type.values_by_number
            changes[name] = values[getattr(overrides, name)].name
    return replace(features, **changes) if changes else features
