"""Protobuf rules on what a file declares besides its types (syntax, options, services, extensions), and
the per-type rules that follow from the syntax, after buf's FILE category.

buf's semantics, checked against it on fixtures: proto3 types support JSON fully (ALLOW) and proto2 types
on a best-effort basis, so only proto3 -> proto2 loses JSON support; proto2 enums are closed and proto3
enums open; proto3 verifies UTF-8 in strings and proto2 does not (Java: unless java_string_check_utf8).
Editions set each of these per element (features); the IR carries the resolved values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from codegen import ir
from codegen.compat.checker import Check
from codegen.compat.pairing import pair_by
from codegen.compat.rules import FILE_OPTION_RULES

T = TypeVar("T")


def check_file(check: Check, moved: bool = False) -> None:
    """``moved``: the package changed. Services and extensions are then deleted only if their name within
    the package is gone, and are not compared further (as buf judges; FILE_SAME_PACKAGE says the rest)."""
    was, now = check.previous.source, check.current.source
    where = check.current.location
    if was.dialect != now.dialect:
        check.report("FILE_SAME_SYNTAX", where, f'file syntax changed from "{was.dialect}" to "{now.dialect}"')
    before, after = {o.name: o for o in was.options}, {o.name: o for o in now.options}
    for option in FILE_OPTION_RULES:
        a, b = before.get(option), after.get(option)  # None: protobuf's default
        if (a and a.value) != (b and b.value):
            shown = " to ".join(f'"{o.value}"' if o is not None else "the default" for o in (a, b))
            at = b.location if b is not None else where  # an option set to its default has no line left
            check.report(f"FILE_SAME_{option.upper()}", at, f"file option {option} changed from {shown}")
    _services(check, moved)
    _extensions(check, moved)


def name_in_package(contract: ir.Contract, full_name: str) -> str:
    """A type's or service's name within the package of the contract's main file."""
    package = contract.source.package
    return full_name.removeprefix(f"{package}.") if package else full_name


def gone_from_package(check: Check, previous: Iterable[T], current: Iterable[T], name: Callable[[T], str]) -> list[T]:
    """With the package changed: the previous elements whose name within the package is gone, which is
    how buf judges deletions then (the same name under the new package is kept, and not compared)."""
    kept = {name_in_package(check.current, name(x)) for x in current}
    return [x for x in previous if name_in_package(check.previous, name(x)) not in kept]


def _services(check: Check, moved: bool) -> None:
    was, now = check.previous, check.current
    if moved:
        for s in gone_from_package(check, was.source.services, now.source.services, lambda s: s.full_name):
            check.report_deleted("SERVICE_NO_DELETE", s.location, f"service {s.full_name} deleted")
        return
    services = pair_by(was.source.services, now.source.services, lambda s: s.full_name)
    for s in services.deleted:
        check.report_deleted("SERVICE_NO_DELETE", s.location, f"service {s.full_name} deleted")
    for old, new in services.paired:
        check_service(check, old, new)


def check_service(check: Check, old: ir.ProtoService, new: ir.ProtoService) -> None:
    methods = pair_by(old.methods, new.methods, lambda m: m.name)
    for m in methods.deleted:
        check.report("RPC_NO_DELETE", new.location, f'rpc "{m.name}" deleted from service {new.full_name}')
    for a, b in methods.paired:
        _method(check, new.full_name, a, b)


def _method(check: Check, service: str, a: ir.ProtoMethod, b: ir.ProtoMethod) -> None:
    label = f'rpc "{b.name}" of service {service}'
    if a.input_type != b.input_type:
        check.report(
            "RPC_SAME_REQUEST_TYPE",
            b.location,
            f'{label} changed request type from "{a.input_type}" to "{b.input_type}"',
        )
    if a.output_type != b.output_type:
        message = f'{label} changed response type from "{a.output_type}" to "{b.output_type}"'
        check.report("RPC_SAME_RESPONSE_TYPE", b.location, message)
    for rule, side, old, new in (
        ("RPC_SAME_CLIENT_STREAMING", "client", a.client_streaming, b.client_streaming),
        ("RPC_SAME_SERVER_STREAMING", "server", a.server_streaming, b.server_streaming),
    ):
        if old != new:
            was, now = (f"{side} {'streaming' if x else 'unary'}" for x in (old, new))
            check.report(rule, b.location, f"{label} changed from {was} to {now}")
    if a.idempotency != b.idempotency:
        was, now = (x or "IDEMPOTENCY_UNKNOWN" for x in (a.idempotency, b.idempotency))
        check.report(
            "RPC_SAME_IDEMPOTENCY_LEVEL", b.location, f'{label} changed idempotency_level from "{was}" to "{now}"'
        )


def _extensions(check: Check, moved: bool) -> None:
    """Deleted: by name (within the package when it changed). Compared like fields: by extended message
    and number, as buf pairs them."""
    from codegen.compat.proto_rules import compare_field  # proto_rules imports this module

    was, now = check.previous, check.current
    if moved:
        deleted = gone_from_package(check, was.source.extensions, now.source.extensions, lambda e: e.name)
    else:
        deleted = pair_by(was.source.extensions, now.source.extensions, lambda e: e.name).deleted
    for e in deleted:
        message = f"extension {e.name} (number {e.number} of {e.extendee}) deleted"
        check.report_deleted("EXTENSION_NO_DELETE", e.location, message)
    if moved:
        return
    by_number = pair_by(was.source.extensions, now.source.extensions, lambda e: (e.extendee, e.number))
    for a, b in by_number.paired:
        if a.field is not None and b.field is not None:
            compare_field(check, f"extension {b.number} of {b.extendee}", a.field, b.field, extension=True)


# -- per type, from the syntax and type options ---------------------------------------------------------


def check_record(check: Check, old: ir.Record, new: ir.Record) -> None:
    if new.json_best_effort and not old.json_best_effort:
        check.report(
            "MESSAGE_SAME_JSON_FORMAT", new.location, f"{new.id} JSON support changed from full to best effort"
        )
    if new.no_standard_descriptor_accessor and not old.no_standard_descriptor_accessor:
        check.report(
            "MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR",
            new.location,
            f"{new.id} turned on no_standard_descriptor_accessor",
        )
    for start, end in old.extension_ranges:
        if not covered(start, end, new.extension_ranges):
            message = f"extension range {start} to {end} of {new.id} no longer fully declared"
            check.report("EXTENSION_MESSAGE_NO_DELETE", new.location, message)


def check_enum(check: Check, old: ir.Enum, new: ir.Enum) -> None:
    if old.closed != new.closed:
        was, now = ("closed" if e.closed else "open" for e in (old, new))
        check.report("ENUM_SAME_TYPE", new.location, f"{new.id} changed from {was} to {now}")
    if new.json_best_effort and not old.json_best_effort:
        check.report("ENUM_SAME_JSON_FORMAT", new.location, f"{new.id} JSON support changed from full to best effort")


_INT64 = frozenset({"int64", "uint64", "sint64", "fixed64", "sfixed64"})


def check_field(check: Check, label: str, a: ir.Field, b: ir.Field) -> None:
    assert a.proto is not None and b.proto is not None
    if a.proto.proto_type == b.proto.proto_type == "string":
        was, now = a.proto.utf8_validation, b.proto.utf8_validation
        if was != now:
            check.report(
                "FIELD_SAME_UTF8_VALIDATION", b.location, f"{label} changed UTF-8 validation from {was} to {now}"
            )
        was, now = _java_utf8(check.previous, a), _java_utf8(check.current, b)
        if was != now:
            message = f"{label} changed Java UTF-8 validation from {was} to {now}"
            check.report("FIELD_SAME_JAVA_UTF8_VALIDATION", b.location, message)
    # ctype means something for strings and bytes only, jstype for 64-bit integers only: across other
    # types a changed type is the news (buf judges so too).
    strings = {a.proto.proto_type, b.proto.proto_type} <= {"string", "bytes"}
    if strings and a.proto.ctype != b.proto.ctype:
        was, now = (x or "STRING" for x in (a.proto.ctype, b.proto.ctype))
        check.report("FIELD_SAME_CPP_STRING_TYPE", b.location, f"{label} changed ctype from {was} to {now}")
    if {a.proto.proto_type, b.proto.proto_type} <= _INT64 and a.proto.jstype != b.proto.jstype:
        was, now = (x or "JS_NORMAL" for x in (a.proto.jstype, b.proto.jstype))
        check.report("FIELD_SAME_JSTYPE", b.location, f"{label} changed jstype from {was} to {now}")


def _java_utf8(contract: ir.Contract, f: ir.Field) -> str:
    """Java checks UTF-8 where the field's own validation does (proto3, editions), and in proto2 strings only
    under the java_string_check_utf8 file option."""
    assert f.proto is not None
    if contract.source.dialect != "proto2":
        return f.proto.utf8_validation
    checked = any(o.name == "java_string_check_utf8" and o.value == "true" for o in contract.source.options)
    return "VERIFY" if checked else "NONE"


def covered(start: int, end: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    """Whether the inclusive ranges cover every number from ``start`` to ``end`` (ranges may be huge)."""
    at = start
    for lo, hi in sorted(ranges):
        if lo > at:
            break
        at = max(at, hi + 1)
        if at > end:
            return True
    return at > end
