"""The python-ports emitter: typed producers and readers per stream port.

Output: ``python/<package>/<module>_ports.py`` next to the records module the ``python`` emitter
writes, for every contract with a stream port. Class names come from the same naming code as the
records (``ModuleBuilder``), so ``OrderPlaced`` here is the ``OrderPlaced`` there. Per port record:
``<Record>Producer`` / ``<Record>Reader`` (sync) and ``Async<Record>Producer`` / ``Async<Record>Reader``.

Wire format: ``auto`` gives protobuf binary for protobuf contracts and JSON for JSON Schema contracts.
For protobuf, a FileDescriptorProto rebuilt from the IR (field numbers, wire types, packing, presence)
is embedded, so encoding goes through the official protobuf runtime and stays byte compatible.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from google.protobuf import descriptor_pb2

from codegen import ir
from codegen.diagnostics import ContractError, Diagnostic, Location
from codegen.emitters.base import Emitter, OutputFile
from codegen.emitters.python_models import ModuleBuilder, docstring, header, module_names, package_folder
from codegen.emitters.python_wire import WireField, WireRecord, fill_name, read_name, wire_module_code
from codegen.naming import Namer, constant_name, pascal_case, snake_identifier

FDP = descriptor_pb2.FieldDescriptorProto
_PROTO_TYPES = {
    "double": FDP.TYPE_DOUBLE,
    "float": FDP.TYPE_FLOAT,
    "int64": FDP.TYPE_INT64,
    "uint64": FDP.TYPE_UINT64,
    "int32": FDP.TYPE_INT32,
    "fixed64": FDP.TYPE_FIXED64,
    "fixed32": FDP.TYPE_FIXED32,
    "bool": FDP.TYPE_BOOL,
    "string": FDP.TYPE_STRING,
    "bytes": FDP.TYPE_BYTES,
    "uint32": FDP.TYPE_UINT32,
    "sfixed32": FDP.TYPE_SFIXED32,
    "sfixed64": FDP.TYPE_SFIXED64,
    "sint32": FDP.TYPE_SINT32,
    "sint64": FDP.TYPE_SINT64,
    "enum": FDP.TYPE_ENUM,
    "message": FDP.TYPE_MESSAGE,
}
# Scalar kind -> protobuf type, for map keys and values (the IR keeps no proto type for those).
_KIND_TYPES = {
    ir.Scalar.BOOL: "bool",
    ir.Scalar.INT32: "int32",
    ir.Scalar.INT64: "int64",
    ir.Scalar.UINT32: "uint32",
    ir.Scalar.UINT64: "uint64",
    ir.Scalar.FLOAT32: "float",
    ir.Scalar.FLOAT64: "double",
    ir.Scalar.BYTES: "bytes",
}
_FIELD_KINDS = {
    ir.Scalar.UUID: "uuid",
    ir.Scalar.DECIMAL: "decimal",
    ir.Scalar.DATE: "date",
    ir.Scalar.TIME: "time",
    ir.Scalar.DATETIME: "datetime",
    ir.Scalar.DURATION: "duration",
}
_WELL_KNOWN = {ir.Scalar.DATETIME: ".google.protobuf.Timestamp", ir.Scalar.DURATION: ".google.protobuf.Duration"}
WIRE_PACKAGE = "contract_wire"


class PortsOptions(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    package: str = "datacontracts"  # must match the python emitter's package
    wire: str = "auto"  # auto | json | protobuf


class Unsupported(Exception):
    pass


class PythonPortsEmitter(Emitter[PortsOptions]):
    name = "python-ports"
    description = "typed producers and readers per stream port (validate, encode, publish; read, dead-letter)"
    options_type = PortsOptions

    def generate(self, contracts: Sequence[ir.Contract], options: PortsOptions) -> list[OutputFile]:
        base = package_folder("python-ports", options.package)
        if options.wire not in ("auto", "json", "protobuf"):
            message = f"python-ports: wire {options.wire!r} is not auto, json or protobuf"
            raise ContractError([Diagnostic(Location("configuration"), "E050", message)])
        names, problems = module_names(contracts)
        files: list[OutputFile] = []
        for i, contract in enumerate(contracts):
            if not any(isinstance(p, ir.StreamPort) for p in contract.ports):
                continue
            builder = PortsModule(contract, names[i], options.wire)
            text = builder.build()
            problems.extend(builder.problems)
            files.append(OutputFile(f"{base}/{names[i]}_ports.py", text.encode()))
        if problems:
            raise ContractError(problems)
        return files


class PortClasses(msgspec.Struct, frozen=True):
    port: ir.StreamPort
    record: str  # the record's class name
    const: str
    codec: str
    producer: str
    async_producer: str
    reader: str
    async_reader: str


class PortsModule:
    def __init__(self, contract: ir.Contract, module: str, wire: str) -> None:
        self.c = contract
        self.module = module
        self.records = ModuleBuilder(contract)  # the records module's own names
        self.problems: list[Diagnostic] = []
        is_proto = contract.source.language is ir.SchemaLanguage.PROTOBUF
        self.protobuf = wire == "protobuf" or (wire == "auto" and is_proto)
        if self.protobuf and not is_proto:
            self.problems.append(
                Diagnostic(
                    contract.location, "E050", f"contract {contract.name!r}: wire 'protobuf' needs a protobuf contract"
                )
            )
            self.protobuf = False

    def plan(self) -> list[PortClasses]:
        """The names this module gives each stream port's constant, codec and classes (docs reuse them)."""
        streams = [p for p in self.c.ports if isinstance(p, ir.StreamPort)]
        per_record: dict[str, int] = {}
        for p in streams:
            per_record[p.record] = per_record.get(p.record, 0) + 1
        namer = Namer(set(self.records.class_names.values()) | {"ports", "typing", "CONTRACT_NAME", "CONTRACT_VERSION"})
        out = []
        for p in streams:
            record = self.records.class_names[p.record]
            stem = record if per_record[p.record] == 1 else pascal_case(p.name) + record
            const = namer.take(constant_name(p.name, "PORT"))
            codec = namer.take(f"{snake_identifier(p.name, 'port').upper()}_CODEC")
            names = [namer.take(n) for kind in ("Producer", "Reader") for n in (f"{stem}{kind}", f"Async{stem}{kind}")]
            out.append(PortClasses(p, record, const, codec, *names))
        return out

    def build(self) -> str:
        plan = self.plan()
        imported = {pc.record for pc in plan}
        body: list[str] = []
        exports: list[str] = []
        if self.protobuf:
            body.append(self.wire_schema())
            imported |= {self.records.class_names[r.id] for r in self.c.records}
        for pc in plan:
            body.append(self.port_constant(pc.const, pc.codec, pc.port, pc.record))
            body.append(
                self.classes("Producer", pc.producer, pc.async_producer, pc.record, pc.const, pc.codec, pc.port)
            )
            body.append(self.classes("Reader", pc.reader, pc.async_reader, pc.record, pc.const, pc.codec, pc.port))
            exports += [pc.const, pc.producer, pc.async_producer, pc.reader, pc.async_reader]
        doc = f"Producers and readers of the {self.c.name} data contract's stream ports, version {self.c.version}."
        parts = [
            header(self.c.source.path) + docstring(doc),
            "from __future__ import annotations\n",
            "import typing\n",
            "from contract_runtime import ports\n",
            f"from .{self.module} import CONTRACT_NAME, CONTRACT_VERSION, {', '.join(sorted(imported))}\n",
            "__all__ = [" + ", ".join(repr(n) for n in sorted(exports)) + "]\n",
        ]
        return "\n".join(parts) + "\n" + "\n\n".join(body)

    # -- ports and classes -------------------------------------------------------------------------

    def port_constant(self, const: str, codec: str, p: ir.StreamPort, record: str) -> str:
        record_ir = self.c.record(p.record)
        attrs = tuple(self.records.field_names[p.record].get(k, k) for k in p.key_fields)
        lines = [
            f"{const}: typing.Final = ports.Port(\n",
            f"    name={p.name!r},\n    subject={p.subject!r},\n",
            "    contract=CONTRACT_NAME,\n    version=CONTRACT_VERSION,\n",
            f"    record={record_ir.name!r},\n    key_fields={attrs!r},\n    retention={p.retention!r},\n)\n",
        ]
        if self.protobuf:
            full = self.wire_name(p.record)
            lines.append(
                f"{codec}: typing.Final[ports.Codec[{record}]] = ports.ProtobufCodec(\n"
                f"    {record}, _WIRE_DESCRIPTOR, {full!r}, {fill_name(record)}, {read_name(record)}\n)\n"
            )
        else:
            lines.append(f"{codec}: typing.Final[ports.Codec[{record}]] = ports.JsonCodec({record})\n")
        return "".join(lines)

    def classes(
        self, kind: str, sync_name: str, async_name: str, record: str, const: str, codec: str, p: ir.StreamPort
    ) -> str:
        if kind == "Producer":
            doc = f"Validates {record} records and publishes them to {p.subject!r} (port {p.name!r})."
            return (
                f"class {sync_name}(ports.Producer[{record}]):\n" + docstring(doc, "    ") + "\n"
                "    def __init__(\n        self,\n        transport: ports.Transport | None = None,\n"
                "        *,\n        url: str | None = None,\n        source: str | None = None,\n"
                "        metrics: ports.Metrics | None = None,\n    ) -> None:\n"
                "        owns = transport is None\n"
                "        super().__init__(\n"
                "            transport if transport is not None else ports.open_transport(url),\n"
                f"            {const},\n            {codec},\n"
                "            source=source,\n            metrics=metrics,\n"
                "            owns_transport=owns,\n        )\n"
                f"\n\nclass {async_name}(ports.AsyncProducer[{record}]):\n" + docstring(doc, "    ") + "\n"
                "    def __init__(\n        self,\n        transport: ports.Transport,\n        *,\n"
                "        source: str | None = None,\n        metrics: ports.Metrics | None = None,\n"
                "        owns_transport: bool = False,\n    ) -> None:\n"
                f"        super().__init__(\n            transport,\n            {const},\n            {codec},\n"
                "            source=source,\n            metrics=metrics,\n            owns_transport=owns_transport,\n"
                "        )\n\n"
                "    @classmethod\n"
                f"    async def connect(cls, url: str | None = None, *, source: str | None = None) -> {async_name}:\n"
                "        return cls(await ports.connect(url), source=source, owns_transport=True)\n"
            )
        doc = f"Reads, validates and dead-letters {record} records from {p.subject!r} (port {p.name!r})."
        common = (
            "        start: ports.StartFrom = ports.StartFrom.STORED,\n"
            "        dead_letter_subject: str | None = None,\n        batch_size: int = 256,\n"
            "        metrics: ports.Metrics | None = None,\n"
        )
        passed = (
            "            consumer=consumer,\n            start=start,\n"
            "            dead_letter_subject=dead_letter_subject,\n            batch_size=batch_size,\n"
            "            metrics=metrics,\n"
        )
        return (
            f"class {sync_name}(ports.Reader[{record}]):\n" + docstring(doc, "    ") + "\n"
            "    def __init__(\n        self,\n        consumer: str,\n"
            "        transport: ports.Transport | None = None,\n        *,\n        url: str | None = None,\n"
            + common
            + "    ) -> None:\n"
            "        owns = transport is None\n"
            "        super().__init__(\n"
            "            transport if transport is not None else ports.open_transport(url),\n"
            f"            {const},\n            {codec},\n" + passed + "            owns_transport=owns,\n        )\n"
            f"\n\nclass {async_name}(ports.AsyncReader[{record}]):\n" + docstring(doc, "    ") + "\n"
            "    def __init__(\n        self,\n        consumer: str,\n        transport: ports.Transport,\n"
            "        *,\n" + common + "        owns_transport: bool = False,\n    ) -> None:\n"
            f"        super().__init__(\n            transport,\n            {const},\n            {codec},\n"
            + passed
            + "            owns_transport=owns_transport,\n        )\n\n"
            "    @classmethod\n"
            "    async def connect(\n        cls,\n        consumer: str,\n        url: str | None = None,\n"
            f"        *,\n        start: ports.StartFrom = ports.StartFrom.STORED,\n    ) -> {async_name}:\n"
            "        return cls(consumer, await ports.connect(url), start=start, owns_transport=True)\n"
        )

    # -- protobuf wire schema ------------------------------------------------------------------------

    def wire_name(self, record_id: str) -> str:
        return f"{WIRE_PACKAGE}.{self.module}.{pascal_case(record_id)}"

    def wire_schema(self) -> str:
        file = descriptor_pb2.FileDescriptorProto(
            name=f"{WIRE_PACKAGE}/{self.module}.proto",
            package=f"{WIRE_PACKAGE}.{self.module}",
            syntax="proto3",
            dependency=["google/protobuf/timestamp.proto", "google/protobuf/duration.proto"],
        )
        records: list[WireRecord] = []
        for e in self.c.enums:
            ed = file.enum_type.add(name=pascal_case(e.id))
            for v in e.values:
                ed.value.add(name=f"{pascal_case(e.id)}_{v.name}", number=v.number or 0)
        for r in self.c.records:
            try:
                records.append(self.message(file, r))
            except Unsupported as exc:
                self.problems.append(Diagnostic(r.location, "E042", f"record {r.name}: no protobuf wire codec: {exc}"))
        data = file.SerializeToString(deterministic=True)
        return f"_WIRE_DESCRIPTOR: typing.Final = {data!r}\n" + wire_module_code(records)

    def message(self, file: descriptor_pb2.FileDescriptorProto, r: ir.Record) -> WireRecord:
        md = file.message_type.add(name=pascal_case(r.id))
        oneofs = {o.name: i for i, o in enumerate(r.oneofs)}
        for o in r.oneofs:
            md.oneof_decl.add(name=o.name)
        attrs = self.records.field_names[r.id]
        fields: list[WireField] = []
        for f in r.fields:
            if f.proto is None:
                raise Unsupported(f"field {f.name} has no protobuf field number")
            kind, shape, ref = self.field(file, md, f, oneofs)
            fields.append(WireField(attrs.get(f.name, f.name), f.name, kind, shape, ref))
        return WireRecord(self.records.class_names[r.id], tuple(fields))

    def field(
        self,
        file: descriptor_pb2.FileDescriptorProto,
        md: descriptor_pb2.DescriptorProto,
        f: ir.Field,
        oneofs: dict[str, int],
    ) -> tuple[str, str, object]:
        assert f.proto is not None
        t = f.type
        nullable = isinstance(t, ir.NullableType)
        if isinstance(t, ir.NullableType):
            t = t.inner
        fd = md.field.add(name=f.name, number=f.proto.number, json_name=f.proto.json_name)
        shape = "one"
        if isinstance(t, ir.MapType):
            entry = md.nested_type.add(name=pascal_case(f.name) + "Entry")
            entry.options.map_entry = True
            self.leaf(entry.field.add(name="key", number=1, label=FDP.LABEL_OPTIONAL), t.key, None)
            kind, ref = self.leaf(entry.field.add(name="value", number=2, label=FDP.LABEL_OPTIONAL), t.value, None)
            fd.label, fd.type = FDP.LABEL_REPEATED, FDP.TYPE_MESSAGE
            fd.type_name = f".{WIRE_PACKAGE}.{self.module}.{md.name}.{entry.name}"
            return kind, "map", ref
        if isinstance(t, ir.ArrayType):
            fd.label = FDP.LABEL_REPEATED
            fd.options.packed = f.proto.packed
            kind, ref = self.leaf(fd, t.items, f.proto.proto_type)
            return kind, "list", ref
        fd.label = FDP.LABEL_OPTIONAL
        kind, ref = self.leaf(fd, t, f.proto.proto_type)
        if f.oneof is not None and f.oneof in oneofs:
            fd.oneof_index = oneofs[f.oneof]
            shape = "opt"
        elif fd.type == FDP.TYPE_MESSAGE:
            shape = "opt"
        elif nullable:  # proto3 `optional`: explicit presence, through a synthetic oneof
            fd.proto3_optional = True
            fd.oneof_index = len(md.oneof_decl)
            md.oneof_decl.add(name=f"_{f.name}")
            shape = "opt"
        return kind, shape, ref

    def leaf(self, fd: descriptor_pb2.FieldDescriptorProto, t: ir.Type, proto_type: str | None) -> tuple[str, object]:
        if isinstance(t, ir.RecordType):
            fd.type, fd.type_name = FDP.TYPE_MESSAGE, "." + self.wire_name(t.ref)
            return "record", self.records.class_names[t.ref]
        if isinstance(t, ir.EnumType):
            e = self.c.enum(t.ref)
            fd.type, fd.type_name = FDP.TYPE_ENUM, f".{WIRE_PACKAGE}.{self.module}.{pascal_case(e.id)}"
            return "enum", tuple((v.name, v.number or 0) for v in e.values)
        if isinstance(t, ir.ScalarType):
            if t.kind in _WELL_KNOWN and proto_type in (None, "message"):
                fd.type, fd.type_name = FDP.TYPE_MESSAGE, _WELL_KNOWN[t.kind]
                return _FIELD_KINDS[t.kind], None
            name = proto_type if proto_type not in (None, "message") else _KIND_TYPES.get(t.kind, "string")
            fd.type = _PROTO_TYPES[name or "string"]
            return _FIELD_KINDS.get(t.kind, "plain"), None
        raise Unsupported(f"{type(t).__name__} values")
