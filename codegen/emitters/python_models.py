"""The python emitter: one module of msgspec Structs per contract.

Output: ``python/<package>/<module>.py`` per contract, plus the package's ``__init__.py`` and
``py.typed``. Records are frozen, keyword-only msgspec Structs that ignore unknown fields on decode
(a reader of major N accepts every minor version of N). Constraints msgspec supports live in
``msgspec.Meta``; the rest are ``contract_runtime`` calls in ``__post_init__``. Formatting happens
later in one batch (codegen.formatting); this module only builds source text, and every value from a
contract enters it through repr(), so names and descriptions can never inject code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import msgspec

from codegen import ir
from codegen.diagnostics import ContractError, Diagnostic, Location
from codegen.emitters.base import GENERATED_MARK, Emitter, OutputFile
from codegen.emitters.python_fast_checks import fast_path, oneof_fast_test
from codegen.emitters.python_types import (
    Meta,
    Tag,
    TypeRenderer,
    Unrepresentable,
    field_pattern,
    fits_msgspec_int,
    pattern_problems,
    runtime_checks,
    without_field_pattern,
)
from codegen.emitters.python_values import ValueRenderer, json_literal, value_violation
from codegen.naming import (
    PYTHON_BUILTINS,
    PYTHON_KEYWORDS,
    Namer,
    enum_member_name,
    is_plain_identifier,
    module_name,
    pascal_case,
    snake_identifier,
)

# Names every generated module binds or reads at module level; no class or field may take them.
IMPORTED = ("datetime", "decimal", "enum", "typing", "uuid", "msgspec", "contract_runtime")
MODULE_NAMES = frozenset({*IMPORTED, "annotations", "CONTRACT_NAME", "CONTRACT_VERSION", "__all__"})
# Builtins used in annotations: a field of that name would shadow it while msgspec resolves them.
BUILTINS_USED = frozenset({"bool", "bytes", "dict", "float", "int", "list", "str", "tuple"})
# Enum members may not shadow Enum's own attributes.
ENUM_RESERVED = frozenset({"name", "value", "mro"})
_IMPORT_USE = re.compile(r"\b(" + "|".join(IMPORTED) + r")\.")


# What msgspec refuses in a field's encoded name: it writes names into JSON unescaped.
_UNNAMEABLE = re.compile(r'[\\"\x00-\x1f]')


class PythonOptions(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    package: str = "datacontracts"  # import package of the generated modules; may be dotted


def header(source: str | None) -> str:
    """The first line of every file. Paths are printed with control characters escaped, so that even
    a file name with a newline stays inside the comment."""
    where = f" from {_printable(source)}" if source else ""
    return f"# {GENERATED_MARK} by contract-codegen{where}. DO NOT EDIT.\n"


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def docstring(text: str, indent: str = "") -> str:
    """A docstring statement. Readable triple quotes when the text is plain; otherwise repr(), which
    keeps quotes, backslashes, carriage returns and NULs exact and harmless."""
    lines = [line.rstrip() for line in text.strip().split("\n")]
    body = "\n".join(lines)
    plain = all(c.isprintable() or c == "\n" for c in body) and '"""' not in body and "\\" not in body
    if plain and not body.endswith('"'):
        if "\n" in body:  # PEP 257: closing quotes of a multi-line docstring on their own line
            body = (body + "\n").replace("\n", "\n" + indent).replace(f"\n{indent}\n", "\n\n")
        return f'{indent}"""{body}"""\n'
    return f"{indent}{text.strip()!r}\n"


def valid_package(package: str) -> bool:
    parts = package.split(".")
    return all(p.isascii() and p.isidentifier() and p not in PYTHON_KEYWORDS for p in parts)


def package_folder(emitter: str, package: str) -> str:
    """``python/<package path>``, where every Python emitter writes; E050 for an invalid package."""
    if not valid_package(package):
        message = f"{emitter}: package {package!r} is not a dotted Python identifier"
        raise ContractError([Diagnostic(Location("configuration"), "E050", message)])
    return "python/" + package.replace(".", "/")


def module_names(contracts: Sequence[ir.Contract]) -> tuple[dict[int, str], list[Diagnostic]]:
    """Module name per contract (by position). A contract with several majors gets '_v<major>'."""
    majors: dict[str, set[int]] = {}
    for c in contracts:
        majors.setdefault(c.name, set()).add(c.major)
    names: dict[int, str] = {}
    owners: dict[str, ir.Contract] = {}
    problems: list[Diagnostic] = []
    for i, c in enumerate(contracts):
        name = module_name(c.name)
        if len(majors[c.name]) > 1:
            name = f"{name}_v{c.major}"
        if name in owners:
            other = owners[name]
            problems.append(
                Diagnostic(
                    c.location,
                    "E041",
                    f"contract {c.name!r} and contract {other.name!r} ({other.source.path}) "
                    f"both become the Python module {name!r}; rename one",
                )
            )
        owners.setdefault(name, c)
        names[i] = name
    return names, problems


class PythonModelsEmitter(Emitter[PythonOptions]):
    name = "python"
    description = "typed record classes (msgspec Structs) per contract, importing only contract_runtime"
    options_type = PythonOptions

    def generate(self, contracts: Sequence[ir.Contract], options: PythonOptions) -> list[OutputFile]:
        base = package_folder("python emitter", options.package)
        names, problems = module_names(contracts)
        files: list[OutputFile] = []
        for i, contract in enumerate(contracts):
            builder = ModuleBuilder(contract)
            text = builder.build()
            problems.extend(builder.problems)
            files.append(OutputFile(f"{base}/{names[i]}.py", text.encode()))
        if problems:
            raise ContractError(problems)
        files.append(OutputFile(f"{base}/__init__.py", package_init(contracts, names).encode()))
        files.append(OutputFile(f"{base}/py.typed", header(None).encode()))
        return files


def package_init(contracts: Sequence[ir.Contract], names: dict[int, str]) -> str:
    lines = ["Data contract records generated by contract-codegen.", "", "Modules:"]
    for i, c in sorted(enumerate(contracts), key=lambda item: names[item[0]]):
        lines.append(f"- {names[i]}: {c.name} {c.version} from {c.source.path}")
    return header(None) + docstring("\n".join(lines))


class ModuleBuilder:
    """Builds the source of one contract's module; problems are collected, not raised, so one run
    reports every field that cannot be generated."""

    def __init__(self, contract: ir.Contract) -> None:
        self.c = contract
        self.problems: list[Diagnostic] = []
        self.member_lists: dict[str, list[str]] = {}  # Enum.id -> member name per value
        self.class_names = self._class_names()
        self.tags = self._tags()
        self.enum_kinds, self.member_names = self._enums()
        self.field_names = {r.id: self._field_names(r) for r in contract.records}
        tag_fields = {rid: tag.field for rid, tag in self.tags.items()}
        self.types = TypeRenderer(contract, self.class_names, self.tags, self.enum_kinds)
        self.values = ValueRenderer(contract, self.class_names, self.member_names, self.field_names, tag_fields)

    def problem(self, location: Location, code: str, message: str) -> None:
        self.problems.append(Diagnostic(location, code, message))

    # -- names -----------------------------------------------------------------------------------

    def _class_names(self) -> dict[str, str]:
        namer = Namer(MODULE_NAMES | PYTHON_BUILTINS)
        names = {r.id: namer.take(pascal_case(r.id)) for r in self.c.records}
        names.update({e.id: namer.take(pascal_case(e.id)) for e in self.c.enums})
        return names

    def _field_names(self, record: ir.Record) -> dict[str, str]:
        """Wire name -> attribute. Plain wire names are claimed first, so a sanitised name never takes
        a name the contract spells exactly."""
        reserved = MODULE_NAMES | BUILTINS_USED | set(self.class_names.values())
        namer = Namer(reserved)
        tag = self.tags.get(record.id)
        fields = [f for f in record.fields if not (tag and f.name == tag.field)]
        names: dict[str, str] = {}
        for f in fields:
            if is_plain_identifier(f.name) and f.name not in reserved and f.name not in PYTHON_KEYWORDS:
                names[f.name] = namer.take(f.name)
        for i, f in enumerate(fields):
            if f.name not in names:
                names[f.name] = namer.take(snake_identifier(f.name, f"field_{i + 1}"))
        return names

    def _enums(self) -> tuple[dict[str, str], dict[str, dict[str | int, str]]]:
        kinds: dict[str, str] = {}
        members: dict[str, dict[str | int, str]] = {}
        for e in self.c.enums:
            values = [self.enum_value(v) for v in e.values]
            kinds[e.id] = "int" if values and all(isinstance(v, int) for v in values) else "str"
            if len({type(v) for v in values}) > 1:
                self.problem(e.location, "E042", f"enum {e.name} mixes string and integer values")
            for wide in [v for v in values if not fits_msgspec_int(v)][:1]:
                self.problem(e.location, "E042", f"enum {e.name} value {wide} is beyond the int64 msgspec decodes")
            self.member_lists[e.id] = names = self._member_names(e)
            table: dict[str | int, str] = {}
            for v, member in zip(e.values, names, strict=True):
                table.setdefault(self.enum_value(v), member)
                if v.number is not None and self.c.source.language is ir.SchemaLanguage.PROTOBUF:
                    table.setdefault(v.number, member)
            members[e.id] = table
        return kinds, members

    @staticmethod
    def _member_names(e: ir.Enum) -> list[str]:
        """Member name per value, in capitals (protobuf names already are), de-duplicated in order."""
        namer = Namer(ENUM_RESERVED)
        return [namer.take(enum_member_name(v.name, f"VALUE_{i + 1}")) for i, v in enumerate(e.values)]

    def enum_value(self, v: ir.EnumValue) -> str | int:
        """The JSON value of a member: protobuf's JSON mapping uses the value's name."""
        return v.name if self.c.source.language is ir.SchemaLanguage.PROTOBUF else v.value

    # -- discriminated unions --------------------------------------------------------------------

    def _tags(self) -> dict[str, Tag]:
        tags: dict[str, Tag] = {}
        for record in self.c.records:
            for f in record.fields:
                for union in _unions(f.type):
                    if union.discriminator is not None:
                        self._tag_union(union, union.discriminator, f, tags)
        return tags

    def _tag_union(self, union: ir.UnionType, disc: str, where: ir.Field, tags: dict[str, Tag]) -> None:
        seen: dict[str | int, str] = {}
        self._check_tag_kinds(union, disc, where)
        for variant in union.variants:
            if not isinstance(variant, ir.RecordType):
                self.problem(where.location, "E042", f"field {where.name}: tagged union variants must be records")
                continue
            record = self.c.record(variant.ref)
            literal = next((f.type for f in record.fields if f.name == disc), None)
            if not isinstance(literal, ir.LiteralType) or isinstance(literal.value, bool):
                message = f"field {where.name}: variant {record.name} has no string or integer constant field {disc!r}"
                self.problem(where.location, "E042", message)
                continue
            tag = Tag(disc, literal.value)
            if seen.get(literal.value, record.id) != record.id:
                message = f"field {where.name}: {seen[literal.value]} and {record.id} share {disc}={literal.value!r}"
                self.problem(where.location, "E042", message)
            seen[literal.value] = record.id
            if tags.setdefault(record.id, tag) != tag:
                message = f"field {where.name}: record {record.name} is a variant of unions with other discriminators"
                self.problem(where.location, "E042", message)

    def _check_tag_kinds(self, union: ir.UnionType, disc: str, where: ir.Field) -> None:
        """msgspec refuses a union whose variants' tags mix integers and strings (building the decoder)."""
        kinds: set[str] = set()
        for variant in union.variants:
            if isinstance(variant, ir.RecordType):
                record = self.c.record(variant.ref)
                literal = next((f.type for f in record.fields if f.name == disc), None)
                if isinstance(literal, ir.LiteralType) and not isinstance(literal.value, bool):
                    kinds.add(type(literal.value).__name__)
        if len(kinds) > 1:
            message = f"field {where.name}: the variants' {disc!r} constants mix strings and integers"
            self.problem(where.location, "E042", message)

    # -- module ----------------------------------------------------------------------------------

    def build(self) -> str:
        c = self.c
        exports = ["CONTRACT_NAME", "CONTRACT_VERSION"]
        body = [f"CONTRACT_NAME: typing.Final = {c.name!r}\nCONTRACT_VERSION: typing.Final = {c.version!r}\n"]
        for e in c.enums:
            body.append(self.enum_class(e))
            exports.append(self.class_names[e.id])
        for r in c.records:
            body.append(self.record_class(r))
            exports.append(self.class_names[r.id])
        text = "\n\n".join(body)
        imports = sorted(set(_IMPORT_USE.findall(text)) | {"typing"})
        stdlib = [f"import {m}\n" for m in imports if m not in ("msgspec", "contract_runtime")]
        third = [f"import {m}\n" for m in ("contract_runtime", "msgspec") if m in imports]
        title = c.title or f"Records of the {c.name} data contract, version {c.version}."
        doc = f"{title}\n\n{c.description}" if c.description else title
        parts = [header(c.source.path) + docstring(doc), "from __future__ import annotations\n"]
        parts += ["".join(stdlib)] if stdlib else []
        parts += ["".join(third)] if third else []
        parts.append("__all__ = [" + ", ".join(repr(n) for n in sorted(exports)) + "]\n")
        return "\n".join(parts) + "\n" + text

    def enum_class(self, e: ir.Enum) -> str:
        lines = [f"class {self.class_names[e.id]}(enum.Enum):\n"]
        doc = e.description
        members = self.member_lists[e.id]
        described = [(m, v) for m, v in zip(members, e.values, strict=True) if v.description or v.deprecated]
        if described:
            notes = [
                " ".join(filter(None, [f"{m}:", v.description, "(deprecated)" if v.deprecated else ""]))
                for m, v in described
            ]
            doc = "\n\n".join(filter(None, [doc, "Members:\n" + "\n".join(notes)]))
        if doc:
            lines.append(docstring(doc, "    ") + ("\n" if e.values else ""))
        for member, v in zip(members, e.values, strict=True):
            lines.append(f"    {member} = {self.enum_value(v)!r}\n")
        if not e.values and not doc:
            lines.append("    pass\n")
        return "".join(lines)

    def record_class(self, r: ir.Record) -> str:
        name = self.class_names[r.id]
        options = "frozen=True, kw_only=True"
        tag = self.tags.get(r.id)
        if tag is not None:
            options += f", tag_field={tag.field!r}, tag={tag.value!r}"
        lines = [f"class {name}(msgspec.Struct, {options}):\n"]
        doc = "\n\n".join(filter(None, [r.description, "Deprecated." if r.deprecated else ""]))
        if doc:
            lines.append(docstring(doc, "    "))
        fields = [f for f in r.fields if f.name in self.field_names[r.id]]
        rendered = [self.field_line(r, f) for f in fields]
        rules, post_init = self.post_init(r, fields)
        if rendered or post_init:
            lines.append("\n" if doc else "")
            lines.extend(rendered)
        if post_init:
            lines.append("\n" + post_init)
        if not doc and not rendered and not post_init:
            lines.append("    pass\n")
        return rules + "".join(lines)

    def field_line(self, r: ir.Record, f: ir.Field) -> str:
        attr = self.field_names[r.id][f.name]
        doc = Meta()
        if f.description:
            doc.kwargs.append(("description", repr(f.description)))
        if f.examples:
            doc.kwargs.append(("examples", json_literal(list(f.examples))))
        if f.deprecated:
            doc.schema["deprecated"] = True
        for problem in pattern_problems(f.type):
            self.problem(f.location, "E045", f"field {r.name}.{f.name}: {problem}")
        pattern = field_pattern(f.type)
        if pattern is not None:  # checked by a pattern rule in __post_init__; still documented
            doc.schema["pattern"] = pattern
        try:
            annotation = self.types.annotation(without_field_pattern(f.type) if pattern else f.type, doc)
            default = self._default(f)
        except Unrepresentable as exc:
            self.problem(f.location, exc.code, f"field {r.name}.{f.name}: {exc}")
            return f"    {attr}: typing.Any\n"
        if default == "msgspec.UNSET":
            annotation += " | msgspec.UnsetType"
        factory = default is not None and default.startswith("default_factory=")
        if attr == f.name and not factory:
            return f"    {attr}: {annotation}{'' if default is None else ' = ' + default}\n"
        kwargs = [] if default is None else [default if factory else f"default={default}"]
        if attr != f.name:
            if _UNNAMEABLE.search(f.name):  # msgspec refuses the Struct at import otherwise
                bad = "msgspec cannot name a field with a backslash, a double quote or a control character"
                self.problem(f.location, "E042", f"field {r.name}.{f.name!r}: {bad}")
            kwargs.append(f"name={f.name!r}")
        return f"    {attr}: {annotation} = msgspec.field({', '.join(kwargs)})\n"

    def _default(self, f: ir.Field) -> str | None:
        """None when required; else the default expression or ``default_factory=...`` for mutables."""
        if f.required:
            return None
        if not f.has_default:
            return "msgspec.UNSET"
        broken = value_violation(f.type, f.default)  # protobuf fields like that are required in the IR
        if broken:
            raise Unrepresentable("E044", f"default {f.default!r} breaks the field's own constraints: {broken}")
        value = self.values.expr(f.type, f.default)
        if not value.mutable:
            return value.source
        if value.source in ("[]", "{}"):
            return "default_factory=" + ("list" if value.source == "[]" else "dict")
        return f"default_factory=lambda: {value.source}"

    def post_init(self, r: ir.Record, fields: list[ir.Field]) -> tuple[str, str]:
        """Module-level rules for the record's fields, built once at import, and the ``__post_init__``
        that calls them: a rule call is far cheaper than a checker taking keyword arguments."""
        rules: list[str] = []
        calls: list[str] = []
        names = self.field_names[r.id]
        prefix = f"_{self.class_names[r.id]}_"
        for f in fields:
            try:
                checks = runtime_checks(f.type)
            except Unrepresentable as exc:
                self.problem(f.location, exc.code, f"field {r.name}.{f.name}: {exc}")
                continue
            for factory, kwargs in checks:
                rule = prefix + names[f.name] + "_" + factory.removesuffix("_rule")
                args = [repr(f.name)] + [f"{k}={v}" for k, v in kwargs]
                rules.append(f"{rule} = contract_runtime.{factory}({', '.join(args)})\n")
                # One local per field: mypy types each by its field, and no field name shadows a builtin.
                var = "v_" + names[f.name]
                fast = fast_path(factory, f.type, rule, var)
                if fast is None:
                    calls.append(f"{rule}(self.{names[f.name]})")
                    continue
                rules.extend(fast.constants)
                calls += [f"{var} = self.{names[f.name]}", f"if not ({fast.test}):", f"    {rule}({var})"]
        for oneof in r.oneofs:
            members = [n for n in oneof.fields if n in names]
            if len(members) > 1:
                rule = prefix + snake_identifier(oneof.name, "group") + "_oneof"
                wire = "(" + ", ".join(repr(n) for n in members) + ")"
                rules.append(f"{rule} = contract_runtime.oneof_rule({oneof.name!r}, {wire})\n")
                values = [f"self.{names[n]}" for n in members]
                calls += [f"if not ({oneof_fast_test(values)}):", f"    {rule}({', '.join(values)})"]
        if not calls:
            return "", ""
        body = "    def __post_init__(self) -> None:\n" + "".join(f"        {call}\n" for call in calls)
        return "".join(rules) + "\n\n", body


def _unions(t: ir.Type) -> list[ir.UnionType]:
    found: list[ir.UnionType] = []
    if isinstance(t, ir.UnionType):
        found.append(t)
        for v in t.variants:
            found.extend(_unions(v))
    elif isinstance(t, ir.NullableType):
        found.extend(_unions(t.inner))
    elif isinstance(t, ir.ArrayType):
        found.extend(_unions(t.items))
    elif isinstance(t, ir.MapType):
        found.extend(_unions(t.value))
    elif isinstance(t, ir.TupleType):
        for i in t.items:
            found.extend(_unions(i))
    return found
