"""What every warehouse writer shares: columns from the record type, batching, per-key de-duplication,
and finding the rows a warehouse rejects without losing the rest of the batch.

Semantics (docs/warehouse.md):
- ``write(records)`` splits the records into batches of ``batch_size``; each batch is one transaction.
- Rows are upserted on the key: replaying a batch adds no duplicates; within one call the last record
  with a key wins.
- A record the contract or the warehouse rejects is returned in ``WriteResult.rejected`` with its key and
  the reason; every other row of its batch is committed.
- A lost connection (or any other non-row error) rolls the current batch back and raises
  ``WriteInterrupted``; batches committed before it are named in the exception, none is partial.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import msgspec

from contract_runtime._checks import ContractViolation
from contract_runtime._codec import validate as validate_record

R = TypeVar("R", bound=msgspec.Struct)
Converter = Callable[[Any], Any]

_json_encode = msgspec.json.Encoder().encode


@dataclass(frozen=True)
class Rejected:
    index: int  # position of the record in the input of write()
    key: dict[str, Any]  # the record's key fields (wire names) and their values
    reason: str


@dataclass
class WriteResult:
    written: int = 0  # rows inserted or updated
    rejected: list[Rejected] = field(default_factory=list)
    batches: int = 0


class WriteInterrupted(Exception):
    """A batch failed for a reason other than its rows (e.g. the connection was lost); it was rolled back."""

    def __init__(self, message: str, committed: WriteResult) -> None:
        super().__init__(message)
        self.committed = committed


class RowError(Exception):
    """The warehouse refused the rows of a batch (a constraint, a value out of range)."""


# Letters NFKD does not decompose into ASCII (as codegen.naming spells them).
_TRANSLIT = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE", "ł": "l", "Ł": "L"}
)


def column_name(name: str) -> str:
    """The SQL column of a wire field: lowercase snake_case (the compiler's ``sql_types.column_name``)."""
    text = unicodedata.normalize("NFKD", name.translate(_TRANSLIT)).encode("ascii", "ignore").decode()
    words = [w for w in re.split(r"[^0-9A-Za-z]+", text) if w]
    parts: list[str] = []
    for w in words:
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


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def plain(value: Any) -> Any:
    """A scalar as the database driver takes it: enums by value, UNSET as NULL."""
    if value is msgspec.UNSET:
        return None
    if isinstance(value, enum.Enum):
        return value.value
    return value


def as_json(value: Any) -> str | None:
    if value is None or value is msgspec.UNSET:
        return None
    return _json_encode(value).decode()


def _struct_fields(record_type: type[Any]) -> tuple[msgspec.inspect.Field, ...]:
    info = msgspec.inspect.type_info(record_type)
    assert isinstance(info, msgspec.inspect.StructType)
    return info.fields


def _kind(t: msgspec.inspect.Type) -> str:
    """'convert' when a value may be an enum or UNSET (the driver takes neither), else 'plain'."""
    types = t.types if isinstance(t, msgspec.inspect.UnionType) else (t,)
    for x in types:
        if isinstance(x, (msgspec.inspect.EnumType, msgspec.inspect.AnyType)) or type(x).__name__ == "UnsetType":
            return "convert"
    return "plain"


@dataclass(frozen=True)
class _Batch:
    index: list[int]  # input positions
    columns: list[list[Any]]  # column-major values, already converted for the driver

    def take(self, positions: Sequence[int]) -> _Batch:
        return _Batch([self.index[p] for p in positions], [[col[p] for p in positions] for col in self.columns])

    def __len__(self) -> int:
        return len(self.index)


class BaseWriter(Generic[R]):
    """Subclasses implement the table check, the DDL run, the column kinds and ``_load`` for one backend."""

    def __init__(
        self,
        record_type: type[R],
        table: str,
        key_fields: Sequence[str],
        ddl: str,
        *,
        columns: Mapping[str, str] | None = None,
        batch_size: int = 50_000,
        validate: bool = True,
    ) -> None:
        info = msgspec.structs.fields(record_type)
        by_wire = {f.encode_name: f.name for f in info}
        self.record_type = record_type
        self.table = table
        self.ddl = ddl
        self.batch_size = batch_size
        self.validate = validate
        # column name -> wire name; the record's attribute for each
        self.columns: dict[str, str] = dict(columns) if columns else {column_name(w): w for w in by_wire}
        self._attrs = [by_wire[w] for w in self.columns.values()]
        self._fields = [f.name for f in info]
        self._kinds = {f.name: _kind(t.type) for f, t in zip(info, _struct_fields(record_type), strict=False)}
        self.key_fields = tuple(key_fields)
        self.key_columns = [c for c, w in self.columns.items() if w in self.key_fields]
        if len(self.key_columns) != len(self.key_fields):
            raise ValueError(f"key fields {self.key_fields} are not all fields of {record_type.__name__}")
        self._ready = False
        self._converters: list[Converter | None] = []

    # -- to implement per backend --------------------------------------------------------------
    def _table_exists(self) -> bool:
        raise NotImplementedError

    def _run_ddl(self) -> None:
        raise NotImplementedError

    def _json_columns(self) -> set[str]:
        """Columns whose values are sent as JSON text (nested records, lists, maps, JSON)."""
        raise NotImplementedError

    def _load(self, batch: _Batch, commit: bool) -> int:
        """Upsert ``batch`` in one transaction; commit or roll back. Raises RowError for refused rows."""
        raise NotImplementedError

    # -- shared --------------------------------------------------------------------------------
    def ensure_table(self) -> None:
        """Create the table from the DDL when it is missing."""
        if not self._table_exists():
            self._run_ddl()
        json_cols = self._json_columns()
        self._converters = [as_json if c in json_cols else self._scalar_converter(c) for c in self.columns]
        self._ready = True

    def _scalar_converter(self, column: str) -> Converter | None:
        """None when values pass to the driver as they are (the common case: no per-value call)."""
        kind = self._kinds[self._attrs[list(self.columns).index(column)]]
        return plain if kind == "convert" else None

    def write(self, records: Iterable[R]) -> WriteResult:
        if not self._ready:
            self.ensure_table()
        result = WriteResult()
        batch = self._encode(list(records), result)
        for start in range(0, len(batch), self.batch_size):
            part = batch.take(range(start, min(start + self.batch_size, len(batch))))
            try:
                self._write_batch(part, result)
            except RowError:
                raise
            except Exception as exc:
                raise WriteInterrupted(f"batch of {len(part)} rows rolled back: {exc}", result) from exc
        return result

    def _encode(self, records: list[R], result: WriteResult) -> _Batch:
        index = list(range(len(records)))
        if self.validate:
            index = [i for i in index if self._valid(i, records[i], result)]
        astuple = msgspec.structs.astuple
        by_position = list(zip(*[astuple(records[i]) for i in index], strict=False)) or [() for _ in self._fields]
        columns = [
            list(by_position[self._fields.index(a)])
            if conv is None
            else list(map(conv, by_position[self._fields.index(a)]))
            for a, conv in zip(self._attrs, self._converters, strict=False)
        ]
        batch = _Batch(index, columns)
        keep = self._last_per_key(batch)
        return batch if len(keep) == len(batch) else batch.take(keep)

    def _valid(self, i: int, record: R, result: WriteResult) -> bool:
        try:
            validate_record(record)
        except ContractViolation as exc:
            result.rejected.append(Rejected(i, self._key_of(record), f"contract: {exc}"))
            return False
        return True

    def _key_of(self, record: R) -> dict[str, Any]:
        by_wire = {w: a for a, w in zip(self._attrs, self.columns.values(), strict=False)}
        return {k: plain(getattr(record, by_wire[k])) for k in self.key_fields}

    def _last_per_key(self, batch: _Batch) -> list[int]:
        if not self.key_columns:
            return list(range(len(batch)))
        names = list(self.columns)
        cols = [batch.columns[names.index(k)] for k in self.key_columns]
        last: dict[tuple[Any, ...], int] = {}
        for pos, key in enumerate(zip(*cols, strict=False)):
            last[key] = pos
        return sorted(last.values())

    def _write_batch(self, batch: _Batch, result: WriteResult) -> None:
        try:
            result.written += self._load(batch, commit=True)
        except RowError:
            bad = self._find_rejected(batch, list(range(len(batch))))
            result.rejected.extend(bad)
            bad_index = {r.index for r in bad}
            good = [p for p in range(len(batch)) if batch.index[p] not in bad_index]
            if good:
                result.written += self._load(batch.take(good), commit=True)
        result.batches += 1
        result.rejected.sort(key=lambda r: r.index)

    def _find_rejected(self, batch: _Batch, positions: list[int]) -> list[Rejected]:
        """Bisect: load halves in transactions that are rolled back until single refused rows remain."""
        try:
            self._load(batch.take(positions), commit=False)
            return []
        except RowError as exc:
            if len(positions) == 1:
                return [Rejected(batch.index[positions[0]], self._key_at(batch, positions[0]), str(exc))]
        mid = len(positions) // 2
        return self._find_rejected(batch, positions[:mid]) + self._find_rejected(batch, positions[mid:])

    def _key_at(self, batch: _Batch, pos: int) -> dict[str, Any]:
        names = list(self.columns)
        return {self.columns[c]: batch.columns[names.index(c)][pos] for c in self.key_columns}
