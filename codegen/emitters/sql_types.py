"""The warehouse type mapping: IR types -> column types per SQL dialect (documented in docs/warehouse.md).

Each dialect keeps as much of the contract as its type system can hold: decimals keep precision and scale,
timestamps keep their zone, strings keep their length where the dialect enforces it, nested records become
STRUCT/ROW where the dialect has one and JSON(B)/OBJECT where it has not. What a type cannot hold (an enum
domain, a string length DuckDB ignores) is kept as a CHECK constraint, see ``codegen.emitters.sql_ddl``.
Type text is built here and checked by sqlglot for the dialect (``exp.DataType.build``).

ClickHouse is the one dialect whose columns are NOT NULL unless typed ``Nullable(T)``: ``column_type(t, nullable=True)``
wraps the type (see ``clickhouse_nullable``), and members of a nested record are always nullable there.
"""

from __future__ import annotations

import functools
import re

import msgspec
from sqlglot import exp

from codegen import ir
from codegen.naming import ascii_words

DIALECTS = ("duckdb", "postgres", "bigquery", "snowflake", "databricks", "redshift", "clickhouse")

# Largest precision each dialect's exact decimal type accepts, and what an unsized decimal becomes.
_MAX_PRECISION = {
    "duckdb": 38,
    "postgres": 1000,
    "bigquery": 76,
    "snowflake": 38,
    "databricks": 38,
    "redshift": 38,
    "clickhouse": 76,
}
_DEFAULT_DECIMAL = (38, 9)

# Scalar kinds that need no parameters: dialect -> kind -> type text.
_SCALARS: dict[str, dict[ir.Scalar, str]] = {
    "duckdb": {
        ir.Scalar.BOOL: "BOOLEAN",
        ir.Scalar.INT32: "INTEGER",
        ir.Scalar.INT64: "BIGINT",
        ir.Scalar.UINT32: "UINTEGER",
        ir.Scalar.UINT64: "UBIGINT",
        ir.Scalar.FLOAT32: "REAL",
        ir.Scalar.FLOAT64: "DOUBLE",
        ir.Scalar.STRING: "VARCHAR",
        ir.Scalar.BYTES: "BLOB",
        ir.Scalar.DATE: "DATE",
        ir.Scalar.TIME: "TIME",
        ir.Scalar.DATETIME: "TIMESTAMPTZ",
        ir.Scalar.DURATION: "INTERVAL",
        ir.Scalar.UUID: "UUID",
    },
    "postgres": {
        ir.Scalar.BOOL: "BOOLEAN",
        ir.Scalar.INT32: "INTEGER",
        ir.Scalar.INT64: "BIGINT",
        ir.Scalar.UINT32: "BIGINT",
        ir.Scalar.UINT64: "NUMERIC(20, 0)",
        ir.Scalar.FLOAT32: "REAL",
        ir.Scalar.FLOAT64: "DOUBLE PRECISION",
        ir.Scalar.STRING: "TEXT",
        ir.Scalar.BYTES: "BYTEA",
        ir.Scalar.DATE: "DATE",
        ir.Scalar.TIME: "TIME",
        ir.Scalar.DATETIME: "TIMESTAMPTZ",
        ir.Scalar.DURATION: "INTERVAL",
        ir.Scalar.UUID: "UUID",
    },
    "bigquery": {
        ir.Scalar.BOOL: "BOOL",
        ir.Scalar.INT32: "INT64",
        ir.Scalar.INT64: "INT64",
        ir.Scalar.UINT32: "INT64",
        ir.Scalar.UINT64: "NUMERIC(20, 0)",
        ir.Scalar.FLOAT32: "FLOAT64",
        ir.Scalar.FLOAT64: "FLOAT64",
        ir.Scalar.STRING: "STRING",
        ir.Scalar.BYTES: "BYTES",
        ir.Scalar.DATE: "DATE",
        ir.Scalar.TIME: "TIME",
        ir.Scalar.DATETIME: "TIMESTAMP",  # BigQuery TIMESTAMP is an instant (UTC)
        ir.Scalar.DURATION: "INTERVAL",
        ir.Scalar.UUID: "STRING(36)",
    },
    "snowflake": {
        ir.Scalar.BOOL: "BOOLEAN",
        ir.Scalar.INT32: "INTEGER",
        ir.Scalar.INT64: "BIGINT",
        ir.Scalar.UINT32: "BIGINT",
        ir.Scalar.UINT64: "NUMBER(20, 0)",
        ir.Scalar.FLOAT32: "FLOAT",
        ir.Scalar.FLOAT64: "DOUBLE",
        ir.Scalar.STRING: "VARCHAR",
        ir.Scalar.BYTES: "BINARY",
        ir.Scalar.DATE: "DATE",
        ir.Scalar.TIME: "TIME",
        ir.Scalar.DATETIME: "TIMESTAMP_TZ",
        ir.Scalar.DURATION: "VARCHAR",  # no interval column type: ISO-8601 text
        ir.Scalar.UUID: "VARCHAR(36)",
    },
    "databricks": {
        ir.Scalar.BOOL: "BOOLEAN",
        ir.Scalar.INT32: "INT",
        ir.Scalar.INT64: "BIGINT",
        ir.Scalar.UINT32: "BIGINT",
        ir.Scalar.UINT64: "DECIMAL(20, 0)",
        ir.Scalar.FLOAT32: "FLOAT",
        ir.Scalar.FLOAT64: "DOUBLE",
        ir.Scalar.STRING: "STRING",
        ir.Scalar.BYTES: "BINARY",
        ir.Scalar.DATE: "DATE",
        ir.Scalar.TIME: "STRING",  # Spark SQL has no time-of-day type: ISO-8601 text
        ir.Scalar.DATETIME: "TIMESTAMP",  # Spark TIMESTAMP is an instant (session-zone display)
        ir.Scalar.DURATION: "INTERVAL DAY TO SECOND",
        ir.Scalar.UUID: "STRING",
    },
    "redshift": {
        ir.Scalar.BOOL: "BOOLEAN",
        ir.Scalar.INT32: "INTEGER",
        ir.Scalar.INT64: "BIGINT",
        ir.Scalar.UINT32: "BIGINT",
        ir.Scalar.UINT64: "NUMERIC(20, 0)",
        ir.Scalar.FLOAT32: "REAL",
        ir.Scalar.FLOAT64: "DOUBLE PRECISION",
        ir.Scalar.STRING: "VARCHAR(65535)",
        ir.Scalar.BYTES: "VARBYTE",
        ir.Scalar.DATE: "DATE",
        ir.Scalar.TIME: "TIME",
        ir.Scalar.DATETIME: "TIMESTAMPTZ",
        ir.Scalar.DURATION: "VARCHAR(64)",
        ir.Scalar.UUID: "CHAR(36)",
    },
    "clickhouse": {
        ir.Scalar.BOOL: "Bool",
        ir.Scalar.INT32: "Int32",
        ir.Scalar.INT64: "Int64",
        ir.Scalar.UINT32: "UInt32",
        ir.Scalar.UINT64: "UInt64",
        ir.Scalar.FLOAT32: "Float32",
        ir.Scalar.FLOAT64: "Float64",
        ir.Scalar.STRING: "String",  # no length limit in the type: max lengths are CHECK constraints
        ir.Scalar.BYTES: "String",  # ClickHouse strings are arbitrary bytes
        ir.Scalar.DATE: "Date32",  # Date stops at 1970..2149; Date32 holds 1900..2299
        ir.Scalar.TIME: "String",  # Time/Time64 are still experimental: ISO-8601 text
        ir.Scalar.DATETIME: "DateTime64(6, 'UTC')",  # an instant, microseconds, shown in UTC
        ir.Scalar.DURATION: "String",  # Interval types cannot be stored: ISO-8601 text
        ir.Scalar.UUID: "UUID",
    },
}

# What a value the dialect cannot type (union, tuple, any JSON, and where noted maps/records) becomes.
_JSON = {
    "duckdb": "JSON",
    "postgres": "JSONB",
    "bigquery": "JSON",
    "snowflake": "VARIANT",
    "databricks": "STRING",
    "redshift": "SUPER",
    # ClickHouse's JSON type holds objects only, and a union or any-JSON value may be a scalar or an array
    "clickhouse": "String",
}
# Dialects whose string type enforces a declared length (DuckDB accepts VARCHAR(n) and ignores n).
LENGTH_ENFORCED = frozenset({"postgres", "bigquery", "snowflake", "redshift"})


def column_name(name: str) -> str:
    """A lowercase snake_case column name: unquoted identifiers fold case differently per dialect."""
    words = ascii_words(name)
    parts: list[str] = []
    for w in words:
        # split camelCase while keeping acronyms together
        token = ""
        for i, ch in enumerate(w):
            if ch.isupper() and token and (not w[i - 1].isupper() or (i + 1 < len(w) and w[i + 1].islower())):
                parts.append(token)
                token = ""
            token += ch
        if token:
            parts.append(token)
    ident = "_".join(p.lower() for p in parts) or "col"
    return f"c_{ident}" if ident[0].isdigit() else ident


def ident(name: str, dialect: str) -> str:
    """An identifier, quoted only when needed (a keyword, odd characters): Snowflake folds unquoted names
    to upper case, so quoting every name would make columns case-sensitive there."""
    quoted = not _PLAIN.match(name) or name.upper() in _keywords(dialect)
    return exp.to_identifier(name, quoted=quoted).sql(dialect=dialect)


_PLAIN = re.compile(r"^[a-z_][a-z0-9_]*$")
# Words reserved in some target that sqlglot's tokenizers do not flag as keywords.
_RESERVED = frozenset({"USER", "VALUE", "KEY", "ORDER", "GROUP", "TABLE", "COLUMN", "ROWS", "RANGE", "WINDOW"})


@functools.cache
def _keywords(dialect: str) -> frozenset[str]:
    from sqlglot.dialects.dialect import Dialect

    tokenizer = Dialect.get_or_raise(dialect).tokenizer_class
    return frozenset(k.upper() for k in tokenizer.KEYWORDS) | _RESERVED


def string_literal(text: str, dialect: str) -> str:
    return exp.Literal.string(text).sql(dialect=dialect)


class TypeMapper(msgspec.Struct, frozen=True):
    """Maps IR types of one contract to type text of one dialect."""

    contract: ir.Contract
    dialect: str

    def column_type(self, t: ir.Type, nullable: bool = False) -> str:
        """The type of a column holding ``t``; ``nullable`` (the column may hold NULL) only shows in ClickHouse."""
        text = self._type(t.inner if isinstance(t, ir.NullableType) else t, ())
        if nullable and self.dialect == "clickhouse":
            text = clickhouse_nullable(text)
        exp.DataType.build(text, dialect=self.dialect)  # raises if the dialect cannot parse what we built
        return text

    def _type(self, t: ir.Type, seen: tuple[str, ...]) -> str:
        if isinstance(t, ir.NullableType):
            inner = self._type(t.inner, seen)
            # a nullable array item or map value: other dialects' nested values are all nullable
            return clickhouse_nullable(inner) if self.dialect == "clickhouse" else inner
        if isinstance(t, ir.ScalarType):
            return self._scalar(t)
        if isinstance(t, ir.EnumType):
            return self._enum(t)
        if isinstance(t, ir.LiteralType):
            return self._literal(t)
        if isinstance(t, ir.RecordType):
            return self._record(t, seen)
        if isinstance(t, ir.ArrayType):
            return self._array(t, seen)
        if isinstance(t, ir.MapType):
            return self._map(t, seen)
        return _JSON[self.dialect]  # unions, tuples, any JSON: kept whole

    def _scalar(self, t: ir.ScalarType) -> str:
        if t.kind is ir.Scalar.DECIMAL:
            return self._decimal(t.precision, t.scale)
        if t.kind is ir.Scalar.STRING and t.constraints.max_length is not None and self.dialect in LENGTH_ENFORCED:
            n = t.constraints.max_length
            return {"bigquery": f"STRING({n})", "postgres": f"VARCHAR({n})"}.get(self.dialect, f"VARCHAR({n})")
        return _SCALARS[self.dialect][t.kind]

    def _decimal(self, precision: int | None, scale: int | None) -> str:
        p, s = (precision, scale if scale is not None else 0) if precision is not None else _DEFAULT_DECIMAL
        if p > _MAX_PRECISION[self.dialect]:
            return _JSON[self.dialect] if self.dialect != "databricks" else "STRING"
        if self.dialect == "bigquery":
            # NUMERIC holds up to 29 integer digits and 9 fractional ones; BIGNUMERIC the rest.
            name = "NUMERIC" if s <= 9 and p - s <= 29 else "BIGNUMERIC"
            return f"{name}({p}, {s})"
        name = {"postgres": "NUMERIC", "snowflake": "NUMBER", "redshift": "NUMERIC", "clickhouse": "Decimal"}.get(
            self.dialect, "DECIMAL"
        )
        return f"{name}({p}, {s})"

    def enum_values(self, t: ir.EnumType) -> list[str | int]:
        return [v.value for v in self.contract.enum(t.ref).values]

    def _enum(self, t: ir.EnumType) -> str:
        values = self.enum_values(t)
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return _SCALARS[self.dialect][ir.Scalar.INT64]
        if all(isinstance(v, str) for v in values):
            if self.dialect == "clickhouse":
                # not Enum8/Enum16: those number the names, and a later contract version that inserts or
                # reorders values would renumber them, which ClickHouse refuses to ALTER; the domain is a
                # CHECK constraint instead, replaced in place by a migration (see codegen.emitters.sql_ddl)
                return "LowCardinality(String)"
            return _SCALARS[self.dialect][ir.Scalar.STRING]
        return _JSON[self.dialect]

    def _literal(self, t: ir.LiteralType) -> str:
        kind = {bool: ir.Scalar.BOOL, int: ir.Scalar.INT64, str: ir.Scalar.STRING}[type(t.value)]
        return _SCALARS[self.dialect][kind]

    def _record(self, t: ir.RecordType, seen: tuple[str, ...]) -> str:
        if self.dialect in ("postgres", "snowflake", "redshift") or t.ref in seen:
            # no struct type (or a recursive record): the nested value is kept whole as JSON
            return {"snowflake": "OBJECT"}.get(self.dialect, _JSON[self.dialect])
        record = self.contract.record(t.ref)
        inner = (*seen, t.ref)
        # members keep their wire names, so a record's JSON casts to the STRUCT member for member
        members = [(ident(f.name, self.dialect), self._type(f.type, inner)) for f in record.fields]
        if not members:
            return _JSON[self.dialect]
        if self.dialect == "duckdb":
            return "STRUCT(" + ", ".join(f"{n} {ty}" for n, ty in members) + ")"
        if self.dialect == "clickhouse":
            # a named tuple whose members are all nullable, like a STRUCT's in the other dialects: ClickHouse
            # forbids Nullable(Tuple(...)), so an absent record is the tuple of NULLs
            return "Tuple(" + ", ".join(f"{n} {clickhouse_nullable(ty)}" for n, ty in members) + ")"
        sep = ": " if self.dialect == "databricks" else " "
        return "STRUCT<" + ", ".join(f"{n}{sep}{ty}" for n, ty in members) + ">"

    def _array(self, t: ir.ArrayType, seen: tuple[str, ...]) -> str:
        inner = self._type(t.items, seen)
        if self.dialect == "duckdb":
            return f"{inner}[]"
        if self.dialect == "postgres":
            # native arrays of scalars; arrays of JSON documents are one JSON document
            return _JSON["postgres"] if inner == _JSON["postgres"] or inner.endswith("[]") else f"{inner}[]"
        if self.dialect == "bigquery":
            # BigQuery forbids ARRAY<ARRAY<...>> and ARRAY<JSON> loses nothing as JSON
            return "JSON" if inner.startswith("ARRAY") or inner == "JSON" else f"ARRAY<{inner}>"
        if self.dialect in ("snowflake", "redshift"):
            return {"snowflake": "ARRAY", "redshift": "SUPER"}[self.dialect]
        if self.dialect == "clickhouse":
            return f"Array({inner})"
        return f"ARRAY<{inner}>"

    def _map(self, t: ir.MapType, seen: tuple[str, ...]) -> str:
        key = self._scalar(t.key)
        value = self._type(t.value, seen)
        if self.dialect == "duckdb":
            return f"MAP({key}, {value})"
        if self.dialect == "databricks":
            return f"MAP<{key}, {value}>"
        if self.dialect == "clickhouse":
            return f"Map({key}, {value})"
        return {"snowflake": "OBJECT"}.get(self.dialect, _JSON[self.dialect])


# ClickHouse types that cannot be inside Nullable(...): an absent value is their empty value instead
_CLICKHOUSE_NOT_NULLABLE = ("Array(", "Map(", "Tuple(", "Nullable(")


def clickhouse_nullable(text: str) -> str:
    """``Nullable(T)``, except where ClickHouse forbids it: Array, Map and Tuple stay as they are (NULL is
    stored as the empty array / map, or the tuple of NULLs), LowCardinality becomes
    ``LowCardinality(Nullable(T))``."""
    if text.startswith(_CLICKHOUSE_NOT_NULLABLE):
        return text
    if text.startswith("LowCardinality(") and text.endswith(")"):
        return f"LowCardinality({clickhouse_nullable(text[len('LowCardinality(') : -1])})"
    return f"Nullable({text})"
