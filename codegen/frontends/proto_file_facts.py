"""What a .proto file declares besides its types: file options, services and extensions.

No target generates code from these, but clients of the file depend on them, so the breaking-change
rules compare them (after buf's FILE category) and the IR keeps them on ``ir.Source``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf import descriptor_pb2

from codegen import ir
from codegen.compat.rules import FILE_OPTION_RULES
from codegen.frontends.proto_lower import FILE_EXTENSION, MSG_EXTENSION, MSG_NESTED, ProtoFile

FILE_OPTIONS, FILE_PACKAGE, FILE_SERVICE, FILE_SYNTAX, SERVICE_METHOD = 8, 2, 6, 12, 2
# File options whose change changes generated code (buf's FILE_SAME_<OPTION> rules), and the one behind
# FIELD_SAME_JAVA_UTF8_VALIDATION. Kept only when they differ from protobuf's default, so that an option
# spelled out with its default value equals one left unset.
TRACKED_OPTIONS = (*FILE_OPTION_RULES, "java_string_check_utf8")
_DEFAULTS = descriptor_pb2.FileOptions()


def file_options(pf: ProtoFile) -> tuple[ir.ProtoOption, ...]:
    out = []
    for name in TRACKED_OPTIONS:
        value = getattr(pf.proto.options, name)
        if value != getattr(_DEFAULTS, name):
            number = descriptor_pb2.FileOptions.DESCRIPTOR.fields_by_name[name].number
            where = pf.loc_or((FILE_OPTIONS, number), (FILE_SYNTAX,))
            out.append(ir.ProtoOption(name, option_text(name, value), where))
    return tuple(out)


def option_text(name: str, value: Any) -> str:
    if name == "optimize_for":
        return str(descriptor_pb2.FileOptions.OptimizeMode.Name(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def services(pf: ProtoFile) -> tuple[ir.ProtoService, ...]:
    prefix = f"{pf.proto.package}." if pf.proto.package else ""
    out = []
    for i, svc in enumerate(pf.proto.service):
        methods = tuple(
            ir.ProtoMethod(
                name=m.name,
                input_type=m.input_type.lstrip("."),
                output_type=m.output_type.lstrip("."),
                location=pf.loc((FILE_SERVICE, i, SERVICE_METHOD, j)),
                client_streaming=m.client_streaming,
                server_streaming=m.server_streaming,
                idempotency=_idempotency(m.options),
            )
            for j, m in enumerate(svc.method)
        )
        out.append(ir.ProtoService(f"{prefix}{svc.name}", pf.loc((FILE_SERVICE, i)), methods))
    return tuple(out)


def _idempotency(options: descriptor_pb2.MethodOptions) -> str:
    level = options.idempotency_level
    return str(descriptor_pb2.MethodOptions.IdempotencyLevel.Name(level)) if level else ""


LowerField = Callable[[descriptor_pb2.FieldDescriptorProto, tuple[int, ...]], ir.Field | None]


def extensions(pf: ProtoFile, lower: LowerField | None = None) -> tuple[ir.ProtoExtension, ...]:
    """Every extension the file declares, at top level or inside a message; ``lower`` makes each one's
    field (plain schemas, where the breaking-change rules compare it as buf does)."""
    prefix = f"{pf.proto.package}." if pf.proto.package else ""
    out = [_extension(pf, ext, prefix, (FILE_EXTENSION, i), lower) for i, ext in enumerate(pf.proto.extension)]

    def visit(msg: descriptor_pb2.DescriptorProto, scope: str, path: tuple[int, ...]) -> None:
        out.extend(
            _extension(pf, ext, f"{scope}.", (*path, MSG_EXTENSION, i), lower) for i, ext in enumerate(msg.extension)
        )
        for i, nested in enumerate(msg.nested_type):
            visit(nested, f"{scope}.{nested.name}", (*path, MSG_NESTED, i))

    for i, msg in enumerate(pf.proto.message_type):
        visit(msg, f"{prefix}{msg.name}", (4, i))
    return tuple(out)


def _extension(
    pf: ProtoFile,
    ext: descriptor_pb2.FieldDescriptorProto,
    scope: str,
    path: tuple[int, ...],
    lower: LowerField | None,
) -> ir.ProtoExtension:
    field = lower(ext, path) if lower is not None else None
    return ir.ProtoExtension(ext.extendee.lstrip("."), ext.number, f"{scope}{ext.name}", pf.loc(path), field)


def source(pf: ProtoFile, files: tuple[str, ...], lower: LowerField | None = None) -> ir.Source:
    """The IR source of a contract or schema whose main file is ``pf``."""
    return ir.Source(
        ir.SchemaLanguage.PROTOBUF,
        pf.display,
        pf.syntax,
        files,
        pf.proto.package or None,
        options=file_options(pf),
        package_location=pf.loc_or((FILE_PACKAGE,), (FILE_SYNTAX,)),
        services=services(pf),
        extensions=extensions(pf, lower),
    )
