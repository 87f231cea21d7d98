"""JSON Schema views -> IR types, records and enums, for one contract.

Named things (records, enums) are memoised by where their schema is written, so a `$ref` used twice
is one record and a recursive `$ref` closes a cycle of RecordTypes instead of recursing forever.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from codegen import ir, metadata
from codegen.constraints import value_violation
from codegen.diagnostics import Diagnostics
from codegen.frontends.jsonschema_files import Refs, SchemaFile
from codegen.frontends.jsonschema_keywords import ANNOTATIONS
from codegen.frontends.jsonschema_view import JSON_TYPES, Node, View, ViewBuilder, type_list

S = ir.Scalar
# format -> (kind, format kept on the ScalarType)
STRING_FORMATS: dict[str, tuple[ir.Scalar, str | None]] = {
    "date-time": (S.DATETIME, None),
    "date": (S.DATE, None),
    "time": (S.TIME, None),
    "duration": (S.DURATION, None),
    "uuid": (S.UUID, None),
    **{
        f: (S.STRING, f)
        for f in (
            "email", "idn-email", "uri", "uri-reference", "iri", "iri-reference", "uri-template", "hostname",
            "idn-hostname", "ipv4", "ipv6", "json-pointer", "relative-json-pointer", "regex",
        )
    },
}  # fmt: skip
INTEGER_FORMATS = {"int32": S.INT32, "int64": S.INT64}
NUMBER_FORMATS = {"float": S.FLOAT32, "double": S.FLOAT64}
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Hint(msgspec.Struct, frozen=True):
    """The id and name a record or enum takes if the schema being lowered turns out to be one."""

    id: str
    name: str

    def child(self, name: str) -> Hint:
        return Hint(f"{self.id}.{name}", name)

    def numbered(self, i: int) -> Hint:
        return Hint(f"{self.id}_{i}", f"{self.name}_{i}")


def root_name(f: SchemaFile, fallback: str) -> str:
    """A file root's record name: its title when that is an identifier, else PascalCase words of the
    title or of ``fallback`` (the contract name or file stem)."""
    title = f.doc.get("title") if isinstance(f.doc, dict) else None
    if isinstance(title, str) and IDENTIFIER.match(title):
        return title
    source = title if isinstance(title, str) and title.strip() else fallback
    words = re.findall(r"[A-Za-z0-9]+", source)
    name = "".join(w[:1].upper() + w[1:] for w in words) or "Record"
    return name if name[0].isalpha() else f"R{name}"


class ContractLowering:
    def __init__(self, main: SchemaFile, refs: Refs, diags: Diagnostics) -> None:
        self.main = main
        self.refs = refs
        self.diags = diags
        self.views = ViewBuilder(refs, diags)
        self.records: dict[str, ir.Record | None] = {}  # None while its fields are being lowered
        self.partial: dict[str, list[ir.Field]] = {}
        self.enums: dict[str, ir.Enum] = {}
        self.memo: dict[tuple[str, str, str], ir.Type] = {}
        self.active: set[tuple[str, str, str]] = set()
        self.owner: dict[str, str] = {}  # claimed id -> file uri
        self.files: dict[str, SchemaFile] = {main.uri: main}

    # -- entry points ---------------------------------------------------------------------------

    def lower(self, node: Node, hint: Hint) -> ir.Type:
        value = node.value
        if value is True or value == {}:
            return ir.JsonType()
        if not isinstance(value, dict):
            if value is False:
                self.diags.report(node.location, "E014", "schema 'false' accepts no value and has no type")
            return ir.JsonType()  # any other shape was reported against the meta-schema
        self.files.setdefault(node.file.uri, node.file)
        key = (*node.key, "")
        if key in self.memo:
            return self.memo[key]
        if key in self.active:
            self.diags.report(node.location, "E014", "recursive schema must pass through an object (a record)")
            return ir.JsonType()
        self.active.add(key)
        try:
            if isinstance(value.get("$ref"), str) and self._ref_alone(node):
                return self._lower_ref(node)
            return self.lower_view(self.views.build(node), hint)
        finally:
            self.active.discard(key)

    def lower_defs(self, f: SchemaFile) -> None:
        """Every definition in ``f``: its records join the contract, its errors are reported."""
        root = Node(f.doc, f, "")
        for container in ("$defs", "definitions"):
            defs = root.get(container)
            if isinstance(defs, dict):
                for name in defs:
                    self.lower(root.at(container, name), Hint(name, name))

    # -- references -----------------------------------------------------------------------------

    def _ref_alone(self, node: Node) -> bool:
        """A `$ref` stands for its target when nothing next to it changes the type (draft-07 ignores
        siblings: those were reported as E012)."""
        if not node.file.draft.modern:
            return True
        return all(k in ANNOTATIONS or k in ("$ref", "$defs", "definitions") for k in node.value)

    def _lower_ref(self, node: Node) -> ir.Type:
        target = self.views.resolve(node)
        if target is None:
            return ir.JsonType()
        return self.lower(target, self._target_hint(target))

    def _target_hint(self, target: Node) -> Hint:
        if target.pointer == "":
            name = root_name(target.file, target.file.stem)
        else:
            name = target.pointer.rsplit("/", 1)[1].replace("~1", "/").replace("~0", "~")
        return Hint(name, name)

    def deref(self, node: Node) -> Node:
        """Follows `$ref`-only nodes to the schema they name (for reading annotations)."""
        seen: set[tuple[str, str]] = set()
        while isinstance(node.get("$ref"), str) and node.key not in seen and len(node.value) == 1:
            seen.add(node.key)
            target = self.refs.resolve(node.file, node.value["$ref"])
            if isinstance(target, str):
                break
            node = Node(target.value, target.file, target.pointer)
        return node

    # -- views ----------------------------------------------------------------------------------

    def lower_view(self, view: View, hint: Hint) -> ir.Type:
        if "oneOf" in view.kw or "anyOf" in view.kw:
            return self._lower_union(view, hint)
        if "const" in view.kw:
            return self._literal(view.kw["const"])
        if "enum" in view.kw:
            return self._lower_enum(view, hint)
        types = self._types(view)
        if types is None:
            return ir.JsonType()
        nullable = "null" in types
        types = [t for t in types if t != "null"]
        if not types:
            self.diags.report(view.node.location, "E014", "a value that is always null has no type: add another type")
            return ir.JsonType()
        lowered = [self._lower_typed(view, t, hint) for t in types]
        result: ir.Type = lowered[0] if len(lowered) == 1 else ir.UnionType(tuple(lowered))
        return ir.NullableType(result) if nullable else result

    def _types(self, view: View) -> list[str] | None:
        """The JSON types the view allows, inferred from its keywords when `type` is absent."""
        if "type" in view.kw:
            return [t for t in type_list(view.value("type")) if t in JSON_TYPES]
        kw = view.kw
        if view.props or view.required or "additionalProperties" in kw:
            return ["object"]
        if "items" in kw or "prefixItems" in kw or "minItems" in kw or "maxItems" in kw:
            return ["array"]
        if "x-decimal" in kw or kw.keys() & {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}:
            return ["number"]
        if kw.keys() & {"minLength", "maxLength", "pattern", "format", "contentEncoding"}:
            return ["string"]
        return None

    def _lower_typed(self, view: View, json_type: str, hint: Hint) -> ir.Type:
        if json_type == "object":
            return self._lower_object(view, hint)
        if json_type == "array":
            return self._lower_array(view, hint)
        return self._lower_scalar(view, json_type)

    # -- objects --------------------------------------------------------------------------------

    def _lower_object(self, view: View, hint: Hint) -> ir.Type:
        extra = view.kw.get("additionalProperties")
        closed = extra is not None and extra.value is False
        if not view.props and not closed:
            if extra is None or extra.value is True or extra.value == {}:
                return ir.JsonType()
            return ir.MapType(ir.ScalarType(S.STRING), self.lower(extra, hint))
        if extra is not None and isinstance(extra.value, dict) and extra.value:
            message = "additionalProperties with a schema next to properties cannot be represented (a record or a map)"
            self.diags.report(extra.location, "E012", message)
        if view.key in self.memo:
            return self.memo[view.key]
        record_id = self._claim(hint, view.node)
        ref = ir.RecordType(record_id)
        self.memo[view.key] = ref
        self.records[record_id] = None
        fields = self.partial[record_id] = []
        for name, nodes in view.props.items():
            fields.append(self._field(name, nodes, name in view.required, hint.child(name)))
        for name in view.required:
            if name not in view.props:
                where = view.required_at.location if view.required_at else view.node.location
                self.diags.report(where, "E014", f"required property '{name}' is not declared in properties")
        self.records[record_id] = ir.Record(
            id=record_id,
            name=hint.name,
            fields=tuple(fields),
            location=view.node.location,
            description=_text(view.value("description")),
            deprecated=_deprecated(view),
            open=not closed,
        )
        return ref

    def _field(self, name: str, nodes: list[Node], required: bool, hint: Hint) -> ir.Field:
        prop = nodes[-1] if nodes[0].value is True or nodes[0].value == {} else nodes[0]
        schemas = [n for n in nodes if n.value is not True and n.value != {}]
        if len(schemas) > 1:  # allOf parts each say something about the property: all of it applies
            merged = View(prop, (*prop.key, "merged"))
            for n in schemas:
                self.views.merge(merged, n, set())
            field_type = self.lower_view(merged, hint)
        else:
            field_type = self.lower(prop, hint)
        notes = _Notes([*nodes, *(self.deref(n) for n in nodes)])
        classification = notes.get("x-classification")
        classification = classification if isinstance(classification, str) else None
        return ir.Field(
            name=name,
            type=field_type,
            location=nodes[0].location,
            required=required,
            has_default=notes.has("default"),
            default=notes.get("default"),
            description=_text(notes.get("description")),
            deprecated=notes.get("deprecated") is True or notes.get("x-deprecated") is True,
            pii=notes.get("x-pii") is True,
            classification=metadata.check_classification(
                classification, notes.location("x-classification"), self.diags
            ),
            examples=tuple(ex) if isinstance(ex := notes.get("examples"), list) else (),
        )

    # -- arrays ---------------------------------------------------------------------------------

    def _lower_array(self, view: View, hint: Hint) -> ir.Type:
        items = view.kw.get("items")
        prefix = view.kw.get("prefixItems")
        if prefix is not None and isinstance(prefix.value, list):
            if items is not None and items.value is not False:
                message = "items next to prefixItems (a tuple followed by more items) is not supported"
                self.diags.report(items.location, "E012", message)
            return self._tuple(prefix, hint)
        if items is not None and isinstance(items.value, list):
            return self._tuple(items, hint)
        if items is not None and items.value is False:
            self.diags.report(items.location, "E014", "items: false without prefixItems allows only an empty array")
        item_type = self.lower(items, hint) if items is not None else ir.JsonType()
        return ir.ArrayType(
            item_type,
            min_items=_int_or_none(view.value("minItems")),
            max_items=_int_or_none(view.value("maxItems")),
            unique_items=view.value("uniqueItems") is True,
        )

    def _tuple(self, items: Node, hint: Hint) -> ir.Type:
        return ir.TupleType(tuple(self.lower(items.at(i), hint.numbered(i + 1)) for i in range(len(items.value))))

    # -- scalars --------------------------------------------------------------------------------

    def _lower_scalar(self, view: View, json_type: str) -> ir.Type:
        if json_type == "boolean":
            return ir.ScalarType(S.BOOL)
        fmt_node = view.kw.get("format")
        fmt = fmt_node.value if fmt_node is not None and isinstance(fmt_node.value, str) else None
        decimal = view.value("x-decimal")
        if fmt == "decimal" or decimal is not None:
            precision = decimal.get("precision") if isinstance(decimal, dict) else None
            scale = decimal.get("scale", 0) if isinstance(decimal, dict) else None
            limits = _constraints(view, json_type)
            return ir.ScalarType(S.DECIMAL, limits, precision=_int_or_none(precision), scale=_int_or_none(scale))
        if json_type == "string":
            return self._lower_string(view, fmt, fmt_node)
        table = INTEGER_FORMATS if json_type == "integer" else NUMBER_FORMATS
        kind = S.INT64 if json_type == "integer" else S.FLOAT64
        if fmt is not None and fmt_node is not None:
            if fmt in table:
                kind = table[fmt]
            else:
                self._unknown_format(fmt_node, fmt, json_type)
        limits = _constraints(view, json_type)
        if json_type == "integer" and fmt is None and _beyond_int64_unsigned(limits):
            kind = S.UINT64  # 0..2**64-1 (as schemas of unsigned counters say): int64 would refuse the top half
        return ir.ScalarType(kind, limits)

    def _lower_string(self, view: View, fmt: str | None, fmt_node: Node | None) -> ir.Type:
        encoding = view.kw.get("contentEncoding")
        if encoding is not None:
            if encoding.value == "base64":
                return ir.ScalarType(S.BYTES, _constraints(view, "string"))
            message = f"contentEncoding {encoding.value!r} is not supported: only 'base64' maps to bytes"
            self.diags.report(encoding.location, "E012", message)
        kind, kept = S.STRING, None
        if fmt is not None and fmt_node is not None:
            if fmt in STRING_FORMATS:
                kind, kept = STRING_FORMATS[fmt]
            else:
                self._unknown_format(fmt_node, fmt, "string")
        return ir.ScalarType(kind, _constraints(view, "string"), format=kept)

    def _unknown_format(self, where: Node, fmt: str, json_type: str) -> None:
        article = "an" if json_type[0] in "aeiou" else "a"
        message = f"unknown format '{fmt}' for {article} {json_type}: compiled as a plain {json_type}"
        self.diags.report(where.location, "W010", message)

    def _literal(self, const: Node) -> ir.Type:
        value = const.value
        if isinstance(value, str | bool | int) and not isinstance(value, float):
            return ir.LiteralType(value)
        message = f"const {value!r} is not supported: a constant must be a string, an integer or a boolean"
        self.diags.report(const.location, "E014", message)
        return ir.JsonType()

    # -- enums ----------------------------------------------------------------------------------

    def _lower_enum(self, view: View, hint: Hint) -> ir.Type:
        where = view.kw["enum"]
        raw = where.value if isinstance(where.value, list) else []
        declared = type_list(view.value("type")) if "type" in view.kw else None
        nullable = None in raw and (declared is None or "null" in declared)
        values: list[tuple[int, str | int]] = []
        # The keywords beside the enum (a pattern, lengths, bounds) as the type each kind of value must fit.
        beside_str = ir.ScalarType(ir.Scalar.STRING, _constraints(view, "string"))
        beside_int = ir.ScalarType(ir.Scalar.INT64, _constraints(view, "integer"))
        for i, v in enumerate(raw):
            if v is None or any(v == seen and type(v) is type(seen) for _, seen in values):
                continue
            if isinstance(v, bool) or not isinstance(v, str | int):
                message = f"enum value {v!r} is not supported: enum values must be strings or integers"
                self.diags.report(where.at(i).location, "E014", message)
                return ir.JsonType()
            kinds = ("string",) if isinstance(v, str) else ("integer", "number")
            if declared is not None and not set(kinds) & set(declared):
                # The schema's own type rejects the value: no document can carry it.
                message = f"enum value {v!r} is not of the schema's type ({', '.join(map(str, declared))})"
                self.diags.report(where.at(i).location, "E014", message)
                return ir.JsonType()
            refused = value_violation(beside_str if isinstance(v, str) else beside_int, v)
            if refused:
                # The keywords beside the enum reject the value: no document can carry it, so it is no member.
                self.diags.report(where.at(i).location, "W012", f"enum value {v!r} is left out: {refused}")
                continue
            values.append((i, v))
        if not values and any(v is not None for v in raw):
            self.diags.report(where.location, "E014", "the keywords beside the enum reject every one of its values")
            return ir.JsonType()
        if not values:
            self.diags.report(where.location, "E014", "an enum of only null has no type")
            return ir.JsonType()
        if len({type(v) for _, v in values}) > 1:
            self.diags.report(where.location, "E014", "enum mixes strings and integers: use one kind of value")
            return ir.JsonType()
        result: ir.Type
        if len(values) == 1:
            result = ir.LiteralType(values[0][1])  # one allowed value is a constant
        elif view.key in self.memo:
            result = self.memo[view.key]
        else:
            enum_id = self._claim(hint, view.node)
            members = tuple(ir.EnumValue(str(v), v, where.at(i).location) for i, v in values)
            description = _text(view.value("description"))
            self.enums[enum_id] = ir.Enum(enum_id, hint.name, members, view.node.location, description)
            result = self.memo[view.key] = ir.EnumType(enum_id)
        return ir.NullableType(result) if nullable else result

    # -- unions ---------------------------------------------------------------------------------

    def _lower_union(self, view: View, hint: Hint) -> ir.Type:
        keyword = "oneOf" if "oneOf" in view.kw else "anyOf"
        where = view.kw[keyword]
        if "oneOf" in view.kw and "anyOf" in view.kw:
            self.diags.report(where.location, "E014", "oneOf and anyOf on one schema cannot be represented")
        base = view.copy(view.key)
        base.kw.pop(keyword)
        # Keywords next to the union apply to every variant: merge them into each one.
        distribute = bool(base.type_bearing())
        variants: dict[ir.Type, None] = {}  # an ordered set: a big union's duplicates cost one hash each
        has_null = False
        for i in range(len(where.value) if isinstance(where.value, list) else 0):
            variant = where.at(i)
            if self._is_null(variant):
                has_null = True
                continue
            variant_hint = self._variant_hint(hint, variant, i)
            if distribute:
                merged = base.copy((variant.file.uri, variant.pointer, "variant"))
                self.views.merge(merged, variant, set())
                lowered = self.lower_view(merged, variant_hint)
            else:
                lowered = self.lower(variant, variant_hint)
            variants[lowered] = None
        if not variants:
            self.diags.report(where.location, "E014", f"{keyword} allows only null: add a variant with a type")
            return ir.JsonType()
        kept = list(variants)
        result = kept[0] if len(kept) == 1 else self._union(kept, view, where)
        return ir.NullableType(result) if has_null and not isinstance(result, ir.NullableType) else result

    def _is_null(self, variant: Node) -> bool:
        node = self.deref(variant)
        if not isinstance(node.value, dict):
            return False
        return type_list(node.get("type")) == ["null"] or ("const" in node.value and node.value["const"] is None)

    def _variant_hint(self, hint: Hint, variant: Node, i: int) -> Hint:
        title = variant.get("title")
        return hint.child(title) if isinstance(title, str) and IDENTIFIER.match(title) else hint.numbered(i + 1)

    def _union(self, variants: list[ir.Type], view: View, where: Node) -> ir.Type:
        records = [v.ref for v in variants if isinstance(v, ir.RecordType)]
        if len(records) < 2:
            return ir.UnionType(tuple(variants))
        explicit = view.value("discriminator")
        named = explicit.get("propertyName") if isinstance(explicit, dict) else None
        candidates = [named] if isinstance(named, str) else [f.name for f in self._fields(records[0])]
        for name in candidates:
            if all(self._is_tag(r, name) for r in records):
                return ir.UnionType(tuple(variants), discriminator=name)
        names = ", ".join(records)
        if isinstance(named, str):
            failing = ", ".join(r for r in records if not self._is_tag(r, named))
            message = f"discriminator '{named}' is not a required const property of every variant (not in {failing})"
        else:
            message = (
                f"union of records {names} has no discriminator: add a const property shared by every variant "
                "and required in each"
            )
        self.diags.report(where.location, "E014", message)
        return ir.UnionType(tuple(variants))

    def _fields(self, record_id: str) -> list[ir.Field]:
        record = self.records.get(record_id)
        return list(record.fields) if record is not None else self.partial.get(record_id, [])

    def _is_tag(self, record_id: str, name: str) -> bool:
        f = next((f for f in self._fields(record_id) if f.name == name), None)
        return f is not None and f.required and isinstance(f.type, ir.LiteralType)

    # -- naming ---------------------------------------------------------------------------------

    def _claim(self, hint: Hint, node: Node) -> str:
        """A unique id: the hint, else qualified by the file stem (a name used in two files), else numbered."""
        wanted = hint.id
        if wanted in self.owner and node.file.uri != self.owner[wanted]:
            wanted = f"{node.file.stem}.{hint.id}"
        candidate, n = wanted, 1
        while candidate in self.owner:
            n += 1
            candidate = f"{wanted}_{n}"
        self.owner[candidate] = node.file.uri
        return candidate

    def result_records(self) -> tuple[ir.Record, ...]:
        return tuple(r for r in self.records.values() if r is not None)


class _Notes:
    """A field's annotations: its own, else those of the schema its `$ref` names."""

    def __init__(self, nodes: list[Node]) -> None:
        self.nodes = [n for n in nodes if isinstance(n.value, dict)]

    def has(self, keyword: str) -> bool:
        return any(keyword in n.value for n in self.nodes)

    def get(self, keyword: str) -> Any:
        for n in self.nodes:
            if keyword in n.value:
                return n.value[keyword]
        return None

    def location(self, keyword: str) -> Any:
        for n in self.nodes:
            if keyword in n.value:
                return n.at(keyword).location
        return self.nodes[0].location if self.nodes else None


def _constraints(view: View, json_type: str) -> ir.Constraints:
    def number(keyword: str) -> int | float | None:
        v = view.value(keyword)
        return v if isinstance(v, int | float) and not isinstance(v, bool) else None

    if json_type == "string":
        pattern = view.value("pattern")
        return ir.Constraints(
            min_length=_int_or_none(view.value("minLength")),
            max_length=_int_or_none(view.value("maxLength")),
            pattern=pattern if isinstance(pattern, str) else None,
        )
    return ir.Constraints(
        minimum=number("minimum"),
        maximum=number("maximum"),
        exclusive_minimum=number("exclusiveMinimum"),
        exclusive_maximum=number("exclusiveMaximum"),
        multiple_of=number("multipleOf"),
    )


def _beyond_int64_unsigned(c: ir.Constraints) -> bool:
    """Bounds that only an unsigned 64-bit integer holds: at least 0, and a maximum above int64's."""
    low = c.minimum if c.minimum is not None else (c.exclusive_minimum + 1 if c.exclusive_minimum is not None else None)
    high = c.maximum if c.maximum is not None else c.exclusive_maximum
    return low is not None and low >= 0 and high is not None and high > 2**63 - 1


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _deprecated(view: View) -> bool:
    return view.value("deprecated") is True or view.value("x-deprecated") is True
