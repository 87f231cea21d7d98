"""The Apache Iceberg writer (pyiceberg). The table schema comes from the record type, not from DDL. Each
batch is one Iceberg commit (one atomic snapshot change): rows whose key is already in the table are
replaced by a copy-on-write overwrite in the same commit as the append of the new rows, so a failure before
the catalog accepts the commit leaves the table exactly as it was.

Embedded default: ``open_catalog(path)`` is a SQL catalog on a SQLite file with a local warehouse folder.
Any other pyiceberg catalog (REST, Glue, ...) with object storage works the same way."""

from __future__ import annotations

import datetime
import decimal
import enum
import itertools
import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

import msgspec
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
from msgspec import inspect as mi
from pyiceberg.catalog import Catalog
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.exceptions import CommitFailedException, ValidationException
from pyiceberg.expressions import (
    AlwaysFalse,
    And,
    BooleanExpression,
    EqualTo,
    GreaterThanOrEqual,
    In,
    LessThanOrEqual,
    Or,
)
from pyiceberg.io.pyarrow import schema_to_pyarrow
from pyiceberg.partitioning import UNPARTITIONED_PARTITION_SPEC, PartitionField, PartitionSpec
from pyiceberg.schema import Schema, assign_fresh_schema_ids
from pyiceberg.table import Table
from pyiceberg.transforms import DayTransform, IdentityTransform, Transform
from pyiceberg.types import (
    BinaryType,
    BooleanType,
    DateType,
    DecimalType,
    DoubleType,
    IcebergType,
    IntegerType,
    ListType,
    LongType,
    MapType,
    NestedField,
    PrimitiveType,
    StringType,
    StructType,
    TimestampType,
    TimestamptzType,
    TimeType,
)

from contract_runtime.warehouse._base import BaseWriter, CommitInDoubt, Converter, R, RowError, _Batch

__all__ = ["IcebergWriter", "iceberg_schema", "open_catalog"]

_INT32 = (-(2**31), 2**31 - 1)
_DEFAULT_DECIMAL = (38, 9)  # a decimal without precision, as in the SQL DDL
# Errors pyarrow raises for values the column type cannot hold.
_VALUE_ERRORS: tuple[type[BaseException], ...] = (pa.ArrowException, OverflowError, TypeError, ValueError)


def open_catalog(path: str | os.PathLike[str], name: str = "contracts") -> SqlCatalog:
    """The embedded catalog: ``<path>/catalog.db`` (SQLite) and data under ``<path>/warehouse``."""
    root = Path(path).resolve()
    warehouse = root / "warehouse"
    warehouse.mkdir(parents=True, exist_ok=True)
    return SqlCatalog(name, uri=f"sqlite:///{root / 'catalog.db'}", warehouse=warehouse.as_uri())


# -- schema from the record type -------------------------------------------------------------------


@dataclass(frozen=True)
class _Mapped:
    type: IcebergType
    nullable: bool
    convert: Converter | None  # applied to non-null values; None: pyarrow takes them as they are
    doc: str | None = None


def _none_or(convert: Converter | None) -> Converter:
    """UNSET and None are null; every other value goes through ``convert``."""
    if convert is None:
        return lambda v: None if v is msgspec.UNSET else v
    return lambda v: None if v is None or v is msgspec.UNSET else convert(v)


def _uuid_text(v: Any) -> Any:
    return str(v) if isinstance(v, uuid.UUID) else v


def _enum_value(v: Any) -> Any:
    return v.value if isinstance(v, enum.Enum) else v


def _iso_duration(v: Any) -> Any:
    return msgspec.to_builtins(v) if isinstance(v, datetime.timedelta) else v


def _iso_time(v: Any) -> Any:
    return v.isoformat() if isinstance(v, datetime.time) else v


def _decimal_text(v: Any) -> Any:
    return str(v) if isinstance(v, decimal.Decimal) else v


_json_encode = msgspec.json.Encoder().encode


def _json_text(v: Any) -> Any:
    try:
        return _json_encode(v).decode()
    except (TypeError, msgspec.EncodeError):
        return v  # left as it is: pyarrow refuses it and the row is rejected with the reason


def _list_of(item: Converter | None) -> Converter:
    def convert(v: Any) -> Any:
        if item is None:
            return list(v) if isinstance(v, (tuple, set, frozenset)) else v
        return [item(x) for x in v] if isinstance(v, (list, tuple, set, frozenset)) else v

    return convert


def _map_of(key: Converter | None, value: Converter | None) -> Converter:
    k = key or (lambda x: x)
    w = value or (lambda x: x)

    def convert(v: Any) -> Any:
        return {k(a): w(b) for a, b in v.items()} if isinstance(v, dict) else v

    return convert


def _struct_of(cls: type[Any], fields: Sequence[tuple[str, str, Converter | None]]) -> Converter:
    def convert(v: Any) -> Any:
        if not isinstance(v, cls):
            return v
        return {name: getattr(v, attr) if c is None else c(getattr(v, attr)) for attr, name, c in fields}

    return convert


def _int_type(t: mi.IntType) -> tuple[PrimitiveType, Converter | None]:
    lo = t.ge if t.ge is not None else (t.gt + 1 if t.gt is not None else None)
    hi = t.le if t.le is not None else (t.lt - 1 if t.lt is not None else None)
    if lo is not None and hi is not None and _INT32[0] <= lo and hi <= _INT32[1]:
        return IntegerType(), None
    if lo is not None and lo >= 0 and hi is None:
        return DecimalType(20, 0), None  # uint64: its maximum is beyond int64, msgspec keeps only the minimum
    return LongType(), None


def _scalar(t: mi.Type, extra: Mapping[str, Any]) -> tuple[PrimitiveType, Converter | None] | None:
    if isinstance(t, mi.BoolType):
        return BooleanType(), None
    if isinstance(t, mi.IntType):
        return _int_type(t)
    if isinstance(t, mi.FloatType):
        return DoubleType(), None
    if isinstance(t, mi.StrType):
        return StringType(), None
    if isinstance(t, (mi.BytesType, mi.ByteArrayType, mi.MemoryViewType)):
        return BinaryType(), None
    if isinstance(t, mi.DateTimeType):
        return (TimestampType() if t.tz is False else TimestamptzType()), None
    if isinstance(t, mi.DateType):
        return DateType(), None
    if isinstance(t, mi.TimeType):
        return (StringType(), _iso_time) if t.tz else (TimeType(), None)
    if isinstance(t, mi.TimeDeltaType):
        return StringType(), _iso_duration  # Iceberg has no interval type
    if isinstance(t, mi.UUIDType):
        return StringType(), _uuid_text  # every engine reads a string; not all read Iceberg's uuid
    if isinstance(t, mi.DecimalType):
        precision, scale = extra.get("x-precision"), extra.get("x-scale")
        if precision is None and scale is None:
            precision, scale = _DEFAULT_DECIMAL
        precision, scale = int(precision if precision is not None else 38), int(scale or 0)
        return (DecimalType(precision, scale), None) if precision <= 38 else (StringType(), _decimal_text)
    if isinstance(t, mi.EnumType):
        values = [m.value for m in t.cls]
        return (LongType() if all(isinstance(v, int) for v in values) else StringType()), _enum_value
    if isinstance(t, mi.LiteralType):
        if all(isinstance(v, bool) for v in t.values):
            return BooleanType(), None
        return (LongType() if all(isinstance(v, int) for v in t.values) else StringType()), None
    return None


def _reaches(t: mi.Type, target: type[Any], seen: set[type[Any]]) -> bool:
    """Whether a value of type ``t`` may hold a ``target`` record."""
    if isinstance(t, mi.StructType):
        if t.cls is target:
            return True
        if t.cls in seen:
            return False
        seen.add(t.cls)
        return any(_reaches(f.type, target, seen) for f in t.fields)
    inner = [getattr(t, a) for a in ("type", "item_type", "key_type", "value_type") if hasattr(t, a)]
    inner += [*getattr(t, "types", ()), *getattr(t, "item_types", ())]
    return any(_reaches(x, target, seen) for x in inner)


class _SchemaBuilder:
    def __init__(self) -> None:
        self._ids = itertools.count(1)

    def next_id(self) -> int:
        return next(self._ids)

    def map(self, t: mi.Type) -> _Mapped:
        extra: dict[str, Any] = {}
        while isinstance(t, mi.Metadata):
            extra.update(t.extra_json_schema or {})
            t = t.type
        doc = extra.get("description")
        if isinstance(t, mi.UnionType):
            rest = [x for x in t.types if not isinstance(x, mi.NoneType)]
            if len(rest) == 1:
                inner = self.map(rest[0])
                return replace(inner, nullable=True, doc=doc or inner.doc)
            if rest and all(isinstance(x, mi.LiteralType) for x in rest):
                values = [v for x in rest for v in x.values]  # type: ignore[attr-defined]
                return self._with(mi.LiteralType(tuple(values)), len(rest) < len(t.types), doc, extra)
            return _Mapped(StringType(), len(rest) < len(t.types), _json_text, doc)  # several kinds: JSON text
        return self._with(t, isinstance(t, mi.NoneType), doc, extra)

    def _with(self, t: mi.Type, nullable: bool, doc: str | None, extra: Mapping[str, Any]) -> _Mapped:
        scalar = _scalar(t, extra)
        if scalar is not None:
            return _Mapped(scalar[0], nullable, scalar[1], doc)
        if isinstance(t, (mi.ListType, mi.SetType, mi.FrozenSetType, mi.VarTupleType)):
            item = self.map(t.item_type)
            element = ListType(self.next_id(), item.type, element_required=not item.nullable)
            return _Mapped(element, nullable, _list_of(_none_or(item.convert) if item.nullable else item.convert), doc)
        if isinstance(t, mi.DictType):
            key, value = self.map(t.key_type), self.map(t.value_type)
            if not isinstance(key.type, PrimitiveType):
                return _Mapped(StringType(), nullable, _json_text, doc)
            kind = MapType(self.next_id(), key.type, self.next_id(), value.type, value_required=not value.nullable)
            value_conv = _none_or(value.convert) if value.nullable else value.convert
            return _Mapped(kind, nullable, _map_of(key.convert, value_conv), doc)
        recursive = isinstance(t, mi.StructType) and any(_reaches(f.type, t.cls, set()) for f in t.fields)
        if isinstance(t, mi.StructType) and not t.array_like and not recursive:
            fields, converters = self.struct_fields(t.fields)
            attrs = [(f.name, f.encode_name, c) for f, c in zip(t.fields, converters, strict=True)]
            return _Mapped(StructType(*fields), nullable, _struct_of(t.cls, attrs), doc)
        # any JSON value, tuples, recursive records: JSON text
        anything = isinstance(t, mi.AnyType) or (isinstance(t, mi.CustomType) and t.cls is object)
        return _Mapped(StringType(), nullable or anything, _json_text, doc)

    def struct_fields(
        self, fields: Sequence[mi.Field], names: Sequence[str] | None = None, keys: Sequence[str] = ()
    ) -> tuple[list[NestedField], list[Converter | None]]:
        """One NestedField per field (named ``names`` or by wire name) and the converter of its values
        (None when pyarrow takes them as they are: no Python call per value)."""
        ids = [self.next_id() for _ in fields]  # siblings first, as Iceberg numbers a new schema
        out: list[NestedField] = []
        converters: list[Converter | None] = []
        for field_id, f, name in zip(ids, fields, names or [f.encode_name for f in fields], strict=True):
            m = self.map(f.type)
            unset_default = not f.required and f.default is msgspec.NODEFAULT and f.default_factory is msgspec.NODEFAULT
            required = name in keys or not (m.nullable or unset_default or f.default is None)
            out.append(NestedField(field_id, name, m.type, required=required, doc=m.doc))
            converters.append(None if m.convert is None and not unset_default else _none_or(m.convert))
        return out, converters


def iceberg_schema(
    record_type: type[Any], columns: Mapping[str, str], key_columns: Sequence[str] = ()
) -> tuple[Schema, dict[str, Converter | None]]:
    """The Iceberg schema of ``record_type`` (``columns``: column name -> wire name, in order) with the
    key columns as identifier fields and ids numbered as a catalog numbers a new table (stable for a
    given record type), and each column's value converter."""
    info = mi.type_info(record_type)
    if not isinstance(info, mi.StructType):
        raise TypeError(f"{record_type.__name__} is not a msgspec Struct")
    by_wire = {f.encode_name: f for f in info.fields}
    builder = _SchemaBuilder()
    fields, converters = builder.struct_fields([by_wire[w] for w in columns.values()], list(columns), key_columns)
    ids = [f.field_id for f in fields if f.name in key_columns]
    schema = assign_fresh_schema_ids(Schema(*fields, identifier_field_ids=ids))
    return schema, dict(zip(columns, converters, strict=True))


# -- the writer ------------------------------------------------------------------------------------


def _null_path(array: Any, kind: Any, path: str) -> str | None:
    """The first required value under ``array`` that is null although its parent is not (pyarrow does not
    check nullability; the commit would fail for the whole batch instead of rejecting the row)."""
    if pa.types.is_struct(kind):
        for i, child in enumerate(array.flatten()):  # flatten() merges the parent's nulls into each child
            member = kind.field(i)
            here = f"{path}.{member.name}"
            if not member.nullable and child.null_count > array.null_count:
                return here
            found = _null_path(child, member.type, here)
            if found:
                return found
    elif pa.types.is_map(kind):
        items = array.items
        if not kind.item_field.nullable and items.null_count:
            return f"{path}.value"
        return _null_path(items, kind.item_type, f"{path}.value")
    elif pa.types.is_list(kind) or pa.types.is_large_list(kind):
        values = array.flatten()
        if not kind.value_field.nullable and values.null_count:
            return f"{path}.element"
        return _null_path(values, kind.value_type, f"{path}.element")
    return None


# 0001-01-01T00:00Z in microseconds: an earlier instant (year 1 at a positive offset) is stored, but neither
# Python nor pyarrow can read it back as a datetime (each later upsert of its key would fail).
_FIRST_INSTANT = -62_135_596_800_000_000


def _early_path(array: Any, kind: Any, path: str) -> str | None:
    """The first timestamp under ``array`` before 0001-01-01T00:00Z (vectorized: no Python call per value)."""
    if pa.types.is_timestamp(kind):
        early = pc.less(array.cast(pa.int64()), _FIRST_INSTANT)
        return path if pc.any(early).as_py() else None
    if pa.types.is_struct(kind):
        for i, child in enumerate(array.flatten()):
            found = _early_path(child, kind.field(i).type, f"{path}.{kind.field(i).name}")
            if found:
                return found
    elif pa.types.is_map(kind):
        return _early_path(array.keys, kind.key_type, f"{path}.key") or _early_path(
            array.items, kind.item_type, f"{path}.value"
        )
    elif pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return _early_path(array.flatten(), kind.value_type, f"{path}.element")
    return None


def _has_timestamp(kind: Any) -> bool:
    if pa.types.is_timestamp(kind):
        return True
    if pa.types.is_struct(kind):
        return any(_has_timestamp(kind.field(i).type) for i in range(kind.num_fields))
    if pa.types.is_map(kind):
        return _has_timestamp(kind.key_type) or _has_timestamp(kind.item_type)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return _has_timestamp(kind.value_type)
    return False


# pyiceberg's predicates are pydantic models: mypy reads the model's fields, not their documented signature.
def _in(column: str, values: list[Any]) -> BooleanExpression:
    return cast(BooleanExpression, cast(Any, In)(column, values))


def _cmp(predicate: type[BooleanExpression], column: str, value: Any) -> BooleanExpression:
    return cast(BooleanExpression, cast(Any, predicate)(column, value))


class IcebergWriter(BaseWriter[R]):
    """``catalog`` is any pyiceberg catalog; ``table`` is ``namespace.name``. ``ddl`` is not used: the
    schema is derived from ``record_type``. Rows are upserted on the key, like the other writers."""

    def __init__(
        self,
        catalog: Catalog,
        record_type: type[R],
        table: str,
        key_fields: Sequence[str],
        ddl: str = "",
        *,
        partition_by: Sequence[str] = (),
        properties: Mapping[str, str] | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(record_type, table, key_fields, ddl, **kw)
        self.catalog = catalog
        self.properties = dict(properties or {})
        namespace, _, name = table.rpartition(".")
        self.identifier = (*(namespace.split(".") if namespace else ["default"]), name)
        self.schema, self._value_converters = iceberg_schema(record_type, self.columns, self.key_columns)
        by_wire = {w: c for c, w in self.columns.items()}
        self.partition_by = [by_wire.get(p, p) for p in partition_by]
        self.iceberg_table: Table | None = None
        self._arrow_fields: list[Any] = []
        self._stamped: list[bool] = []  # per column: whether its type holds timestamps

    def partition_spec(self) -> PartitionSpec:
        """Identity partitions; a timestamp is partitioned by day."""
        if not self.partition_by:
            return UNPARTITIONED_PARTITION_SPEC
        fields = []
        for n, column in enumerate(self.partition_by):
            source = self.schema.find_field(column)
            timestamp = isinstance(source.field_type, (TimestampType, TimestamptzType))
            transform: Transform[Any, Any] = DayTransform() if timestamp else IdentityTransform()
            name = f"{column}_day" if timestamp else column
            fields.append(PartitionField(source.field_id, 1000 + n, transform, name))
        return PartitionSpec(*fields)

    # -- BaseWriter hooks ------------------------------------------------------------------------
    def _table_exists(self) -> bool:
        return self.catalog.table_exists(self.identifier)

    def _run_ddl(self) -> None:
        self.catalog.create_namespace_if_not_exists(self.identifier[:-1])
        self.catalog.create_table_if_not_exists(
            self.identifier, self.schema, partition_spec=self.partition_spec(), properties=self.properties
        )

    def _json_columns(self) -> set[str]:
        """Called once the table exists: load it, add the record's new optional columns (a contract's
        minor version) and take the Arrow types from the table. JSON text is made by the converters."""
        table = self.catalog.load_table(self.identifier)
        if self._missing(table.schema()):
            with table.update_schema() as update:
                update.union_by_name(self.schema)
        self.iceberg_table = table
        arrow = schema_to_pyarrow(table.schema())
        self._arrow_fields = [arrow.field(c) for c in self.columns]
        self._stamped = [_has_timestamp(f.type) for f in self._arrow_fields]
        return set()

    def _missing(self, schema: Schema) -> list[str]:
        names = {f.name for f in schema.fields}
        return [c for c in self.columns if c not in names]

    def _scalar_converter(self, column: str) -> Converter | None:
        return self._value_converters[column]

    def _load(self, batch: _Batch, commit: bool) -> int:
        """One Iceberg commit: new keys are appended; a key already stored with other values is replaced
        (copy-on-write overwrite of the files holding it); a key stored with the same values (a replay)
        is left alone, so a replay rewrites nothing."""
        data = self._arrow(batch)
        if not commit:  # a dry run (finding refused rows): every refusal happens in the conversion
            return len(batch)
        table = self._table()
        table.refresh()  # another writer may have committed since
        replaced: BooleanExpression | None = None
        present = self._present(table, data)
        if present is not None:
            changed = self._changed(table, data, present)
            if pc.any(changed).as_py():
                replaced = self._match(data.filter(changed))
            data = data.filter(pc.or_(pc.invert(present), changed))
        txn = table.transaction()
        if replaced is not None:
            txn.overwrite(data, overwrite_filter=replaced)  # writes the data files; nothing visible yet
        elif len(data):
            txn.append(data)
        try:
            txn.commit_transaction()  # the catalog's one atomic step
        except (CommitFailedException, ValidationException):
            raise  # pyiceberg: the commit did not land
        except Exception as exc:
            # any other failure of the catalog call (a lost connection) may come after the catalog moved the
            # table: the batch is in doubt, not rolled back
            raise CommitInDoubt() from exc
        return len(batch)

    # -- Arrow and keys --------------------------------------------------------------------------
    def _table(self) -> Table:
        if self.iceberg_table is None:
            self.ensure_table()
        assert self.iceberg_table is not None
        return self.iceberg_table

    def _arrow(self, batch: _Batch) -> Any:
        """The batch as an Arrow table of the Iceberg table's types; RowError for a value it cannot hold."""
        self._table()
        arrays = []
        for field, stamped, values in zip(self._arrow_fields, self._stamped, batch.columns, strict=True):
            try:
                array = pa.array(values, type=field.type)
            except _VALUE_ERRORS as exc:
                raise RowError(f"{field.name}: {exc}") from exc
            if not field.nullable and array.null_count:
                raise RowError(f"{field.name}: null in a required column")
            path = _null_path(array, field.type, field.name)
            if path:
                raise RowError(f"{path}: null in a required field")
            path = _early_path(array, field.type, field.name) if stamped else None
            if path:
                raise RowError(f"{path}: timestamp before 0001-01-01T00:00:00Z")
            arrays.append(array)
        return pa.Table.from_arrays(arrays, schema=pa.schema(self._arrow_fields))

    def _key_range(self, rows: Any) -> BooleanExpression:
        """min <= key <= max per key column: prunes data files by their statistics. Not an IN list:
        pyiceberg binds one in Python, value by value, each time it evaluates it."""
        filters: list[BooleanExpression] = []
        for k in self.key_columns:
            bounds = pc.min_max(rows[k]).as_py()
            filters += [_cmp(GreaterThanOrEqual, k, bounds["min"]), _cmp(LessThanOrEqual, k, bounds["max"])]
        return And(*filters)

    def _pairs(self, data: Any, stored: Any) -> tuple[Any, Any]:
        """Positions (in ``data``, in ``stored``) of the rows with equal keys."""
        keys = self.key_columns
        mine = data.select(keys).append_column("__mine", pa.array(range(len(data)), pa.int64()))
        theirs = stored.select(keys).append_column("__theirs", pa.array(range(len(stored)), pa.int64()))
        joined = mine.join(theirs, keys=keys, join_type="inner")
        return joined["__mine"].combine_chunks(), joined["__theirs"].combine_chunks()

    def _present(self, table: Table, data: Any) -> Any:
        """A mask of the rows whose key is already stored, or None when none is. Reads only the key
        columns of the data files whose key statistics overlap the batch's."""
        if not self.key_columns or not len(data) or table.current_snapshot() is None:
            return None
        found = table.scan(row_filter=self._key_range(data), selected_fields=tuple(self.key_columns)).to_arrow()
        mine, _ = self._pairs(data, found)
        if not len(mine):
            return None
        return pc.is_in(pa.array(range(len(data)), pa.int64()), value_set=mine)

    def _changed(self, table: Table, data: Any, present: Any) -> Any:
        """A mask of the rows whose key is stored with other values (reads those files' full rows)."""
        stored = table.scan(row_filter=self._key_range(data.filter(present)), selected_fields=tuple(self.columns))
        stored_rows = stored.to_arrow().select(list(self.columns))
        mine, theirs = self._pairs(data, stored_rows)
        differs = pa.array([False] * len(mine), pa.bool_())
        for c in self.columns:
            if c not in self.key_columns:
                differs = pc.or_(differs, _differ(data[c].take(mine), stored_rows[c].take(theirs)))
        return pc.is_in(pa.array(range(len(data)), pa.int64()), value_set=mine.filter(differs))

    def _match(self, rows: Any) -> BooleanExpression:
        """An Iceberg filter that matches exactly the keys of ``rows``."""
        keys = self.key_columns
        if len(keys) == 1:
            return _in(keys[0], rows[keys[0]].to_pylist())
        terms: list[BooleanExpression] = [
            And(*[_cmp(EqualTo, k, row[k]) for k in keys]) for row in rows.select(keys).to_pylist()
        ]
        if not terms:
            return AlwaysFalse()
        return terms[0] if len(terms) == 1 else Or(*terms)


def _differ(a: Any, b: Any) -> Any:
    """Row-wise a != b, with null equal to null (nested values compared in Python: Arrow cannot)."""
    a, b = a.combine_chunks(), b.combine_chunks()
    if pa.types.is_list(a.type) or pa.types.is_large_list(a.type) or pa.types.is_map(a.type):
        # pyiceberg stores a null list or map column as an empty one: equal, or every replay rewrites it
        pairs = zip(a.to_pylist(), b.to_pylist(), strict=True)
        return pa.array([(x or None) != (y or None) for x, y in pairs], pa.bool_())
    if pa.types.is_nested(a.type):
        return pa.array([x != y for x, y in zip(a.to_pylist(), b.to_pylist(), strict=True)], pa.bool_())
    same = pc.or_(pc.fill_null(pc.equal(a, b), False), pc.and_(a.is_null(), b.is_null()))
    return pc.invert(same)
