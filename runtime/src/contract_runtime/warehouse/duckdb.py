"""The DuckDB writer: embedded, no server. Rows go in as one Arrow table per batch and are upserted with
``INSERT ... ON CONFLICT DO UPDATE`` in one transaction; nested values travel as JSON and are cast to the
table's STRUCT / LIST / MAP types by DuckDB. A STRUCT member a value leaves out (UNSET: msgspec writes no
key for it, and the CAST refuses an object without one) is NULL: where the record type allows that, the
JSON is decoded into the column's shape with every member defaulting to null and encoded again (in C).
Durations and bytes inside a nested value are JSON text the CAST cannot read as INTERVAL / BLOB (ISO 8601
``PT7200S``, base64): those leaves are cast to VARCHAR and converted in SQL (``_decoded``).

Speed: columns are converted whole (UUIDs and decimals to text by msgspec in C; integers and decimals straight
into the column's Arrow type; nested values to JSON by one ``encode_lines`` call, split into an Arrow array by
pyarrow) so no Python code runs per value."""

from __future__ import annotations

import contextlib
import datetime
import decimal
import re
import uuid
from typing import Any

import duckdb
import msgspec
import msgspec.inspect as mi
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
from duckdb.sqltypes import DuckDBPyType

from contract_runtime._stamps import exact_offsets, off_minute, stamp_finder, to_utc
from contract_runtime.warehouse._base import (
    BaseWriter,
    ColumnConverter,
    R,
    RowError,
    _Batch,
    _flat,
    _may_be_unset,
    _struct_fields,
    json_lines,
    per_value,
    plain,
    quote,
)

# DuckDB errors caused by the rows themselves, not by the connection or the SQL.
ROW_ERRORS: tuple[type[Exception], ...] = (
    duckdb.ConstraintException,
    duckdb.ConversionException,
    duckdb.InvalidInputException,
    duckdb.OutOfRangeException,
    duckdb.TypeMismatchException,
)
_NESTED = ("STRUCT", "MAP", "JSON", "UNION")
# InvalidInputException also says that the database cannot be written at all: not the rows' fault (bisecting
# would report every record as rejected and return as if the write had been done)
_NOT_ROWS = re.compile(r"read-only mode")


def _not_the_rows(exc: Exception) -> bool:
    return isinstance(exc, duckdb.InvalidInputException) and bool(_NOT_ROWS.search(str(exc)))


# Integer columns in the Arrow type that holds them exactly (pyarrow would infer int64 for every Python int,
# and fail on one of 2**63 or more). HUGEINT / UHUGEINT have no Arrow type: the 64-bit one while values fit,
# else text (see ``_integer_array``).
_INTEGERS: dict[str, pa.DataType] = {
    "TINYINT": pa.int8(),
    "SMALLINT": pa.int16(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "HUGEINT": pa.int64(),
    "UTINYINT": pa.uint8(),
    "USMALLINT": pa.uint16(),
    "UINTEGER": pa.uint32(),
    "UBIGINT": pa.uint64(),
    "UHUGEINT": pa.uint64(),
}
_INT_OR_NULL = {int, type(None)}
_ROW_PATH = re.compile(r"`\$\[\d+\]")
# What converting a column's values to Arrow raises for a value it cannot take (not MemoryError and the like).
_CONVERSION_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError, msgspec.EncodeError)


def _uuid_text(value: Any) -> Any:
    v = plain(value)
    return str(v) if isinstance(v, uuid.UUID) else v


_UUID_OR_NULL = {uuid.UUID, type(None)}
_DECIMAL_OR_NULL = {decimal.Decimal, type(None)}


def _uuid_column(values: list[Any]) -> list[Any]:
    """``_uuid_text`` over a column: msgspec formats UUIDs in C (uuid.__str__ is Python code)."""
    if set(map(type, values)) <= _UUID_OR_NULL:
        result: list[Any] = msgspec.to_builtins(values)
        return result
    return per_value(_uuid_text)(values)


def _decimal_array(values: list[Any], t: str) -> pa.Array:
    """A DECIMAL(p, s) column in the column's own Arrow type (~10x faster than letting pyarrow infer one). A
    value it cannot hold exactly (more digits, NaN) sends the column as text (msgspec, in C) instead, which
    DuckDB casts with the same rounding and refusals as a decimal of any other scale."""
    precision, scale = (int(x) for x in t[t.index("(") + 1 : -1].split(","))
    try:
        return pa.array(values, type=pa.decimal128(precision, scale))
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        if set(map(type, values)) <= _DECIMAL_OR_NULL:
            return pa.array(msgspec.to_builtins(values), type=pa.string())
        return pa.array(values)


def _children(t: DuckDBPyType) -> list[DuckDBPyType]:
    """The member types of a STRUCT, the element type of a list or ARRAY, key and value of a MAP."""
    if t.id not in ("struct", "list", "array", "map"):
        return []
    return [child for _, child in t.children if isinstance(child, DuckDBPyType)]


def _has_struct(t: DuckDBPyType) -> bool:
    return t.id == "struct" or any(map(_has_struct, _children(t)))


# Leaves whose JSON text (as msgspec writes it) DuckDB's CAST cannot read: a duration is ISO 8601 text
# (``PT7200S``, ``-P1DT0.000005S``), bytes are base64. In a nested column they are cast to VARCHAR and
# converted by ``_decoded``.
_TEXT_LEAVES = ("interval", "blob")

# A duration as msgspec writes it: an optional sign, whole days, seconds with up to 6 decimals. Stored as
# microseconds only, as a top-level duration (an Arrow ``duration[us]``) is: the same INTERVAL either way. A
# value beyond 2**63 microseconds (about 292,000 years) is refused (an overflow), as at the top level.
_ISO_DURATION = r"-?P(\d+D)?(T\d+(\.\d{1,6})?S)?"
_INTERVAL_SQL = (
    "CASE WHEN regexp_full_match({x}, '" + _ISO_DURATION + "') THEN to_microseconds("
    "(CASE WHEN starts_with({x}, '-') THEN -1 ELSE 1 END) * ("
    r"coalesce(CAST(nullif(regexp_extract({x}, '(\d+)D', 1), '') AS BIGINT), 0) * 86400000000"
    r" + coalesce(CAST(nullif(regexp_extract({x}, 'T(\d+)', 1), '') AS BIGINT), 0) * 1000000"
    r" + CAST(rpad(regexp_extract({x}, '\.(\d+)', 1), 6, '0') AS BIGINT)))"
    " ELSE CAST({x} AS INTERVAL) END"  # other text (validate=False): read as the CAST always read it
)


def _has_text_leaf(t: DuckDBPyType) -> bool:
    return t.id in _TEXT_LEAVES or any(map(_has_text_leaf, _children(t)))


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _staged_type(t: DuckDBPyType) -> str:
    """The column's type with VARCHAR for each leaf in ``_TEXT_LEAVES``: what its JSON is cast to."""
    if t.id in _TEXT_LEAVES:
        return "VARCHAR"
    if not _has_text_leaf(t):
        return str(t)
    if t.id == "struct":
        members = [
            f"{quote(name)} {_staged_type(child)}" for name, child in t.children if isinstance(child, DuckDBPyType)
        ]
        return f"STRUCT({', '.join(members)})"
    if t.id == "list":
        return f"{_staged_type(_children(t)[0])}[]"
    if t.id == "array":
        return f"{_staged_type(_children(t)[0])}[{dict(t.children)['size']}]"
    if t.id == "map":
        key, value = _children(t)
        return f"MAP({_staged_type(key)}, {_staged_type(value)})"
    return str(t)


def _member(expr: str, name: str) -> str:
    return f"struct_extract({expr}, {_literal(name)})"


def _decoded(expr: str, t: DuckDBPyType, depth: int = 0) -> str:
    """SQL that turns ``expr``, a value of ``_staged_type(t)``, into the value of ``t`` its JSON meant: text
    leaves decoded (base64 -> BLOB, ISO 8601 -> INTERVAL) at any depth, NULL kept NULL, every other member
    as it is. Vectorised by DuckDB: no Python per value."""
    if t.id == "interval":
        return _INTERVAL_SQL.replace("{x}", expr)
    if t.id == "blob":
        return f"from_base64({expr})"
    if not _has_text_leaf(t):
        return expr
    if t.id == "struct":
        members = [
            f"{_literal(name)}: {_decoded(_member(expr, name), child, depth)}"
            for name, child in t.children
            if isinstance(child, DuckDBPyType)
        ]
        return f"CASE WHEN {expr} IS NULL THEN NULL ELSE {{{', '.join(members)}}} END"
    var = f"__contract_{depth}"  # a lambda's parameter, one name per depth
    if t.id in ("list", "array"):
        return f"list_transform({expr}, lambda {var}: {_decoded(var, _children(t)[0], depth + 1)})"
    if t.id == "map":
        key, value = _children(t)
        entry = (
            f"{{'key': {_decoded(_member(var, 'key'), key, depth + 1)}, "
            f"'value': {_decoded(_member(var, 'value'), value, depth + 1)}}}"
        )
        return f"map_from_entries(list_transform(map_entries({expr}), lambda {var}: {entry}))"
    return expr


def _complete_type(t: DuckDBPyType) -> Any:
    """The column's shape as a msgspec type whose members all default to None, every leaf ``Raw`` (its JSON
    text as it is): JSON decoded into it and encoded again has every STRUCT member, ``null`` where the value
    left it out, and is otherwise the same text. Unknown members and values of another shape fail the
    decoding, as they fail the CAST."""
    if t.id == "struct":
        members = [(name, _complete_type(child)) for name, child in t.children if isinstance(child, DuckDBPyType)]
        record = msgspec.defstruct(
            "Member",
            [(f"m{i}", kind, None) for i, (_, kind) in enumerate(members)],
            rename={f"m{i}": name for i, (name, _) in enumerate(members)},
            forbid_unknown_fields=True,
            gc=False,
        )
        return record | None
    if t.id in ("list", "array"):
        return list[_complete_type(_children(t)[0])] | None  # type: ignore[misc]
    if t.id == "map":
        return dict[str, _complete_type(_children(t)[1])] | None  # type: ignore[misc]
    return msgspec.Raw


class _Completion:
    """Gives a column's JSON lines every STRUCT member (``_complete_type``), in C: decoded and encoded again.

    Skipped when counting shows nothing is missing, for a STRUCT whose members hold no record or map: when
    the text has one ``{`` per object (no nested object, no brace inside a string), each key ``"k":`` can
    only be a key of those objects (a quote inside a string is escaped), and msgspec writes a key once."""

    def __init__(self, t: DuckDBPyType) -> None:
        self.decoder = msgspec.json.Decoder(_complete_type(t))
        members = [(name, child) for name, child in t.children if isinstance(child, DuckDBPyType)]
        flat = t.id == "struct" and not any(_has_struct(c) or c.id == "map" for _, c in members)
        self.keys = [msgspec.json.encode(name) + b":" for name, _ in members] if flat else None

    def __call__(self, data: bytes, objects: int) -> bytes:
        """``data``: the lines of ``objects`` values other than null."""
        if self.keys is not None and data.count(b"{") == objects and all(data.count(k) == objects for k in self.keys):
            return data
        return json_lines(self.decoder.decode_lines(data))


_SEQUENCES = (mi.ListType, mi.SetType, mi.FrozenSetType, mi.VarTupleType)


def _may_leave_out(t: mi.Type, column: DuckDBPyType) -> bool:
    """Whether the JSON of a value of the record's type ``t`` may lack a member of a STRUCT in the column's
    type: a field that may be UNSET (or an omitted default), a member the record type does not have, or a
    type that does not tell (``Any``, a dict where a STRUCT goes). Records that always write every member
    (proto3's) skip the completing round trip."""
    if not _has_struct(column):
        return False
    children = _children(column)
    for x in _flat(t):
        if isinstance(x, mi.NoneType):
            continue
        if column.id == "struct" and isinstance(x, mi.StructType):
            if x.cls.__struct_config__.omit_defaults:
                return True
            if any(_may_be_unset(f.type) for f in msgspec.structs.fields(x.cls)):
                return True
            members = {name: child for name, child in column.children if isinstance(child, DuckDBPyType)}
            if set(members) - {f.encode_name for f in x.fields}:
                return True
            if any(f.encode_name in members and _may_leave_out(f.type, members[f.encode_name]) for f in x.fields):
                return True
        elif column.id in ("list", "array") and isinstance(x, _SEQUENCES):
            if _may_leave_out(x.item_type, children[0]):
                return True
        elif column.id == "map" and isinstance(x, mi.DictType):
            if _may_leave_out(x.value_type, children[1]):
                return True
        else:
            return True
    return False


def _integer_array(values: list[Any], kind: pa.DataType) -> pa.Array:
    """An integer column in its Arrow type. A value out of that type's range (a HUGEINT beyond 64 bits, a
    negative UBIGINT, 2**64) or of another type (``validate=False``) sends the column as it did before, Arrow's
    own choice, and failing that as text: DuckDB's CAST then stores it exactly or refuses its row."""
    if set(map(type, values)) <= _INT_OR_NULL:
        try:
            return pa.array(values, type=kind)
        except (pa.ArrowInvalid, OverflowError):
            pass
    try:
        return pa.array(values)
    except _CONVERSION_ERRORS:
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


def _instant_array(values: list[Any]) -> pa.Array:
    """A TIMESTAMPTZ column. Arrow refuses a UTC offset that is not whole minutes (a historical zone's,
    +00:53:28): such datetimes go in UTC, the same instant."""
    try:
        return pa.array(values)
    except pa.ArrowInvalid:
        if not any(isinstance(v, datetime.datetime) and off_minute(v) for v in values):
            raise
        return pa.array([to_utc(v) for v in values])


def _json_array(values: list[Any], complete: _Completion | None = None) -> pa.Array:
    """``json_column`` straight into Arrow: one ``encode_lines`` call, split on newlines by pyarrow (JSON
    text holds no raw newline); ``null`` (None or UNSET) becomes NULL. No Python string per value.
    ``complete`` gives the lines every STRUCT member."""
    if msgspec.UNSET in values:
        values = [None if v is msgspec.UNSET else v for v in values]
    if not values:
        return pa.array([], type=pa.string())
    data = json_lines(values)
    if complete is not None:
        data = complete(data, len(values) - values.count(None))
    data = data[:-1]
    kind = pa.string() if len(data) < 2**31 else pa.large_string()  # 32-bit offsets while they fit
    parts = pc.split_pattern(pa.array([data], type=pa.large_binary()).cast(kind), "\n").values
    return pc.if_else(pc.equal(parts, "null"), pa.scalar(None, kind), parts)


class DuckDBWriter(BaseWriter[R]):
    def __init__(self, connection: duckdb.DuckDBPyConnection, record_type: type[R], table: str, *args: Any, **kw: Any):
        self.connection = connection
        super().__init__(record_type, table, *args, **kw)
        self._types: dict[str, str] = {}
        # nested columns whose JSON may lack STRUCT members -> what fills them in
        self._complete: dict[str, _Completion] = {}
        # nested columns holding durations or bytes -> (the type their JSON is cast to, the SQL that decodes it)
        self._decode: dict[str, tuple[str, str]] = {}
        # nested columns that may hold datetimes -> what keeps their offsets exact in JSON (``exact_offsets``)
        self._exact: dict[str, ColumnConverter] = {}

    def _split(self) -> tuple[str, str]:
        schema, _, name = self.table.rpartition(".")
        return schema or "main", name

    def _table_exists(self) -> bool:
        schema, name = self._split()
        row = self.connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [schema, name]
        ).fetchone()
        return bool(row and row[0])

    def _run_ddl(self) -> None:
        self.connection.execute(self.ddl)

    def _json_columns(self) -> set[str]:
        schema, name = self._split()
        rows = self.connection.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            [schema, name],
        ).fetchall()
        self._types = {str(c): str(t) for c, t in rows}
        missing = [c for c in self.columns if c not in self._types]
        if missing:
            raise ValueError(f"table {self.table} has no columns {missing}")
        json = {c for c, t in self._types.items() if t.startswith(_NESTED) or t.endswith("]")}
        # DuckDB's CAST from JSON to a STRUCT refuses an object that lacks a member: where the record type lets
        # a value leave one out (UNSET), the JSON is completed first (members as NULL)
        info = msgspec.structs.fields(self.record_type)
        field_types = {f.name: t.type for f, t in zip(info, _struct_fields(self.record_type), strict=True)}
        attrs = dict(zip(self.columns, self._attrs, strict=True))
        nested = [c for c in self.columns if c in json and self._types[c] != "JSON"]
        finders = {c: stamp_finder(field_types[attrs[c]]) for c in self.columns if c in json}
        self._exact = {c: exact_offsets(find) for c, find in finders.items() if find is not None}
        self._complete = {}
        self._decode = {}
        if nested:
            relation = self.connection.sql(f"SELECT {', '.join(map(quote, nested))} FROM {self._target()} LIMIT 0")
            for c, t in zip(nested, relation.types, strict=True):
                if _has_text_leaf(t):
                    self._decode[c] = (_staged_type(t), _decoded(quote(c), t))
                # (a member name msgspec cannot rename to, with '"' or '\\': the CAST as it is)
                if _may_leave_out(field_types[attrs[c]], t):
                    with contextlib.suppress(ValueError):
                        self._complete[c] = _Completion(t)
        return json

    def _scalar_converter(self, column: str) -> Any:
        return _uuid_text if self._types.get(column) == "UUID" else super()._scalar_converter(column)

    def _column_converter(self, column: str) -> ColumnConverter | None:
        t = self._types.get(column, "")
        if column in self._json:
            return None  # made into JSON text by _arrow, per batch
        if t == "UUID":
            return _uuid_column
        return super()._column_converter(column)

    def _select(self, column: str) -> str:
        t = self._types[column]
        source = quote(column)
        if column in self._decode:
            return f"CAST(CAST({source} AS JSON) AS {self._decode[column][0]})"
        if t.startswith(_NESTED) or t.endswith("]"):
            return f"CAST(CAST({source} AS JSON) AS {t})" if t != "JSON" else f"CAST({source} AS JSON)"
        return f"CAST({source} AS {t})"

    def _upsert_sql(self, view: str, upsert: bool = True) -> str:
        cols = list(self.columns)
        target = ", ".join(quote(c) for c in cols)
        select = ", ".join(self._select(c) for c in cols)
        if self._decode:
            # columns with durations or bytes: cast from JSON once, in a subquery, then decoded (the decoding
            # reads a value several times)
            select = ", ".join(
                f"CAST({self._decode[c][1]} AS {self._types[c]})" if c in self._decode else quote(c) for c in cols
            )
            view = f"(SELECT {', '.join(f'{self._select(c)} AS {quote(c)}' for c in cols)} FROM {view})"
        sql = f"INSERT INTO {self._target()} ({target}) SELECT {select} FROM {view}"
        if self.key_columns and upsert:
            rest = [c for c in cols if c not in self.key_columns]
            keys = ", ".join(quote(c) for c in self.key_columns)
            if rest:
                sets = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in rest)
                sql += f" ON CONFLICT ({keys}) DO UPDATE SET {sets}"
            else:
                sql += f" ON CONFLICT ({keys}) DO NOTHING"
        return sql

    def _target(self) -> str:
        schema, name = self._split()
        return f"{quote(schema)}.{quote(name)}"

    def _arrow(self, batch: _Batch) -> pa.Table:
        """The batch as an Arrow table. A value that cannot be converted is its row's fault: RowError, and the
        batch is bisected down to the records that cannot be converted on their own."""
        arrays = []
        for c, values in zip(self.columns, batch.columns, strict=False):
            try:
                arrays.append(self._array(c, values))
            except _CONVERSION_ERRORS as exc:
                if len(values) > 1 and not any(self._fails(c, [v]) for v in values):
                    # only the mix of values fails (Arrow infers one type for a column): not any row's
                    raise
                # msgspec's path starts at the row (``$[i]``, always ``$[0]`` for the one row reported): ``$``
                raise RowError(f"{c}: {_ROW_PATH.sub('`$', str(exc))}") from exc
        return pa.Table.from_arrays(arrays, names=list(self.columns))

    def _array(self, column: str, values: list[Any]) -> pa.Array:
        t = self._types[column]
        if column in self._json:
            if column in self._exact:
                values = self._exact[column](values)
            return _json_array(values, self._complete.get(column))
        if t.startswith("DECIMAL("):
            return _decimal_array(values, t)
        if t in _INTEGERS:
            return _integer_array(values, _INTEGERS[t])
        if t == "TIMESTAMP WITH TIME ZONE":
            return _instant_array(values)
        return pa.array(values)

    def _fails(self, column: str, values: list[Any]) -> bool:
        try:
            self._array(column, values)
        except _CONVERSION_ERRORS:
            return True
        return False

    def _load(self, batch: _Batch, commit: bool) -> int:
        """A plain INSERT first (the common case: new keys); a key already there (a replay) or a refused
        row rolls it back and the batch is upserted instead."""
        if commit:
            try:
                return self._run(batch, commit=True, upsert=False)
            except RowError:
                pass
        return self._run(batch, commit=commit, upsert=True)

    def _run(self, batch: _Batch, commit: bool, upsert: bool) -> int:
        con = self.connection
        staged = self._arrow(batch)
        view = "__contract_stage"
        con.register(view, staged)
        try:
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(self._upsert_sql(view, upsert=upsert))
            except ROW_ERRORS as exc:
                con.execute("ROLLBACK")
                if _not_the_rows(exc):
                    raise
                raise RowError(str(exc).splitlines()[0]) from exc
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT" if commit else "ROLLBACK")
        finally:
            con.unregister(view)
        return len(batch)
