"""What every warehouse writer shares: columns from the record type, batching, per-key de-duplication,
and finding the rows a warehouse rejects without losing the rest of the batch.

Semantics (docs/warehouse.md):
- ``write(records)`` splits the records into batches of ``batch_size``; each batch is one transaction.
- Rows are upserted on the key: replaying a batch adds no duplicates; within one call the last record
  with a key wins.
- A record the contract or the warehouse rejects is returned in ``WriteResult.rejected`` with its key and
  the reason; every other row of its batch is committed.
- A lost connection (or any other non-row error) rolls the current batch back and raises
  ``WriteInterrupted``; batches committed before it are named in the exception, none is partial (a batch
  whose COMMIT went unanswered is reported as ``in_doubt``, not as rolled back).
"""

from __future__ import annotations

import enum
import operator
import re
import types
import typing
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import msgspec

from contract_runtime._checks import ContractViolation
from contract_runtime._codec import validate as validate_record
from contract_runtime._stamps import exact_offsets, stamp_finder

R = TypeVar("R", bound=msgspec.Struct)
Converter = Callable[[Any], Any]  # one value -> what the driver takes
ColumnConverter = Callable[[list[Any]], list[Any]]  # a whole column at once (a loop in C, not per value)

_encoder = msgspec.json.Encoder()
_json_encode = _encoder.encode
json_lines = _encoder.encode_lines


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
    """A batch failed for a reason other than its rows (e.g. the connection was lost); it was rolled back,
    unless ``in_doubt`` is set: the rows of a batch whose COMMIT was sent but never answered (they may be
    stored; replaying them is safe)."""

    def __init__(self, message: str, committed: WriteResult, in_doubt: int = 0) -> None:
        super().__init__(message)
        self.committed = committed
        self.in_doubt = in_doubt


class CommitInDoubt(Exception):
    """Raised by a backend when the commit itself failed (the connection was lost while committing): the
    batch may or may not be stored, so it must not be reported as rolled back."""


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


def json_column(values: list[Any]) -> list[Any]:
    """``as_json`` over a column: one ``encode_lines`` call (C) and one split; JSON text never holds a raw
    newline. None (JSON ``null``) and UNSET become NULL."""
    if msgspec.UNSET in values:
        values = [None if v is msgspec.UNSET else v for v in values]
    out = json_lines(values).decode().split("\n")
    out.pop()  # the text ends with a newline
    return null_for_json_null(out)


_JSON_NULL: dict[str, None] = {"null": None}


def null_for_json_null(texts: list[str]) -> list[Any]:
    """JSON ``null`` (a None value) -> SQL NULL."""
    return list(map(_JSON_NULL.get, texts, texts)) if "null" in texts else texts


class _PlainTable(dict[Any, Any]):
    """Known enum members -> value, UNSET -> None: a C dict lookup per value; anything else (a value of the
    wrong type when validation is off) takes ``plain`` through ``__missing__``."""

    def __missing__(self, value: Any) -> Any:
        return plain(value)


def plain_column(enums: Sequence[type[enum.Enum]]) -> ColumnConverter:
    """``plain`` over a column whose values may be members of ``enums``, UNSET or None."""
    table = _PlainTable({m: m.value for e in enums for m in e})
    table[msgspec.UNSET] = None
    table[None] = None
    get = table.__getitem__

    def convert(values: list[Any]) -> list[Any]:
        try:
            return list(map(get, values))
        except TypeError:  # an unhashable value
            return list(map(plain, values))

    return convert


def unset_column(values: list[Any]) -> list[Any]:
    """``plain`` over a column of values that need no change but UNSET -> None (one scan in C when none is)."""
    if msgspec.UNSET in values:
        return [None if v is msgspec.UNSET else v for v in values]
    return values


def per_value(conv: Converter) -> ColumnConverter:
    return lambda values: list(map(conv, values))


def _struct_fields(record_type: type[Any]) -> tuple[msgspec.inspect.Field, ...]:
    info = msgspec.inspect.type_info(record_type)
    assert isinstance(info, msgspec.inspect.StructType)
    return info.fields


def _flat(t: msgspec.inspect.Type) -> list[msgspec.inspect.Type]:
    """The types a value may have: unions flattened, ``Annotated`` metadata (generated records) removed."""
    if isinstance(t, msgspec.inspect.Metadata):
        return _flat(t.type)
    if isinstance(t, msgspec.inspect.UnionType):
        return [x for member in t.types for x in _flat(member)]
    return [t]


def _may_be_unset(annotation: Any) -> bool:
    """Whether a field's annotation admits UNSET (``msgspec.inspect`` leaves ``UnsetType`` out of unions)."""
    if annotation is msgspec.UnsetType:
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _may_be_unset(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        return any(_may_be_unset(a) for a in typing.get_args(annotation))
    return False


def _kind(t: msgspec.inspect.Type) -> str:
    """'convert' when a value may be an enum or UNSET (the driver takes neither), else 'plain'."""
    for x in _flat(t):
        if isinstance(x, (msgspec.inspect.EnumType, msgspec.inspect.AnyType)) or type(x).__name__ == "UnsetType":
            return "convert"
    return "plain"


def _enums(t: msgspec.inspect.Type) -> list[type[enum.Enum]] | None:
    """The enum classes a value may be, or None when it may be anything (``Any``)."""
    members = _flat(t)
    if any(isinstance(x, msgspec.inspect.AnyType) for x in members):
        return None
    return [x.cls for x in members if isinstance(x, msgspec.inspect.EnumType)]


@dataclass(frozen=True)
class _Batch:
    index: list[int]  # input positions
    # column-major values, already converted for the driver; for a writer that converts as it loads
    # (``BaseWriter._convert_in_load``), one column: the records themselves
    columns: list[list[Any]]

    def take(self, positions: Sequence[int]) -> _Batch:
        return _Batch([self.index[p] for p in positions], [[col[p] for p in positions] for col in self.columns])

    def slice(self, start: int, stop: int) -> _Batch:
        """Rows ``start:stop`` (list slices: a copy in C, no per-value loop)."""
        if start == 0 and stop >= len(self.index):
            return self
        return _Batch(self.index[start:stop], [col[start:stop] for col in self.columns])

    def __len__(self) -> int:
        return len(self.index)


class BaseWriter(Generic[R]):
    """Subclasses implement the table check, the DDL run, the column kinds and ``_load`` for one backend."""

    # False: ``_encode`` reads and converts every column up front. True: a batch holds the records and the
    # backend reads and converts them a chunk at a time as it loads (``_columns``), while the database works.
    _convert_in_load = False

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
        inspected = {f.name: t.type for f, t in zip(info, _struct_fields(record_type), strict=False)}
        self._field_types = inspected
        unset = {f.name for f in info if _may_be_unset(f.type)}
        self._kinds = {n: "convert" if n in unset else _kind(t) for n, t in inspected.items()}
        self._enum_types = {n: _enums(t) for n, t in inspected.items()}
        self.key_fields = tuple(key_fields)
        self.key_columns = [c for c, w in self.columns.items() if w in self.key_fields]
        if len(self.key_columns) != len(self.key_fields):
            raise ValueError(f"key fields {self.key_fields} are not all fields of {record_type.__name__}")
        self._ready = False
        self._input: list[R] = []  # the write() under way: rejected rows report their keys from it
        self._json: set[str] = set()
        self._converters: list[ColumnConverter | None] = []

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
        self._json = self._json_columns()
        self._converters = [self._column_converter(c) for c in self.columns]
        self._ready = True

    def _scalar_converter(self, column: str) -> Converter | None:
        """None when values pass to the driver as they are (the common case: no per-value call)."""
        kind = self._kinds[self._attrs[list(self.columns).index(column)]]
        return plain if kind == "convert" else None

    def _column_converter(self, column: str) -> ColumnConverter | None:
        """How ``_encode`` converts a whole column: JSON text for the JSON columns (offsets with seconds kept
        exact: ``contract_runtime._stamps``), else the column-wise form of ``_scalar_converter`` (``plain``
        becomes a dict lookup per value in C)."""
        if column in self._json:
            find = stamp_finder(self._field_types[self._attrs[list(self.columns).index(column)]])
            if find is None:
                return json_column
            exact = exact_offsets(find)
            return lambda values: json_column(exact(values))
        conv = self._scalar_converter(column)
        if conv is None:
            return None
        enums = self._enum_types[self._attrs[list(self.columns).index(column)]]
        if conv is plain and enums is not None:
            return plain_column(enums) if enums else unset_column
        return per_value(conv)

    def write(self, records: Iterable[R]) -> WriteResult:
        if not self._ready:
            self.ensure_table()
        result = WriteResult()
        self._input = list(records)
        try:
            batch = self._encode(self._input, result)
            for start in range(0, len(batch), self.batch_size):
                part = batch.slice(start, start + self.batch_size)
                try:
                    self._write_batch(part, result)
                except CommitInDoubt as exc:
                    message = f"batch of {len(part)} rows in doubt (the commit was not answered): {exc.__cause__}"
                    raise WriteInterrupted(message, result, in_doubt=len(part)) from exc
                except Exception as exc:
                    # RowError too: rows refused only together (a unique index on a non-key column that two
                    # rows of the batch share) pass the bisection one by one, and the batch then fails whole;
                    # the caller must still learn what earlier batches committed
                    raise WriteInterrupted(f"batch of {len(part)} rows rolled back: {exc}", result) from exc
            return result
        finally:
            self._input = []

    def _encode(self, records: list[R], result: WriteResult) -> _Batch:
        """The valid records, the last per key, as a batch (see ``_Batch.columns``)."""
        index = list(range(len(records)))
        if self.validate:
            index = [i for i in index if self._valid(i, records[i], result)]
            if len(index) != len(records):
                records = [records[i] for i in index]
        batch = _Batch(index, [records] if self._convert_in_load else self._columns(records))
        keep = self._last_per_key(batch)
        return batch if keep is None else batch.take(keep)

    def _columns(self, records: Sequence[R]) -> list[list[Any]]:
        """Column-major values for the driver: each column read with one ``attrgetter`` map and converted as a
        whole, no Python-level loop over rows."""
        columns = []
        for attr, conv in zip(self._attrs, self._converters, strict=False):
            values = list(map(operator.attrgetter(attr), records))
            columns.append(values if conv is None else conv(values))
        return columns

    def _key_columns(self, batch: _Batch) -> list[list[Any]]:
        names = list(self.columns)
        if self._convert_in_load:
            records = batch.columns[0]
            return [list(map(operator.attrgetter(self._attrs[names.index(k)]), records)) for k in self.key_columns]
        return [batch.columns[names.index(k)] for k in self.key_columns]

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

    def _last_per_key(self, batch: _Batch) -> list[int] | None:
        """Positions of the last row per key, or None when every key is distinct (the common case)."""
        if not self.key_columns:
            return None
        keys = self._key_columns(batch)
        try:
            last = _last_positions(keys)
        except TypeError:  # an unhashable key (a list, a record) is told apart by its JSON text
            last = _last_positions([json_column(k) for k in keys])
        return None if len(last) == len(batch) else sorted(last.values())

    def _write_batch(self, batch: _Batch, result: WriteResult) -> None:
        try:
            result.written += self._load(batch, commit=True)
        except RowError:
            bad = self._find_rejected(batch, list(range(len(batch))))
            bad_index = {r.index for r in bad}
            good = [p for p in range(len(batch)) if batch.index[p] not in bad_index]
            if good:
                result.written += self._load(batch.take(good), commit=True)
            # only once the rest committed: a batch that fails after all is not reported half done
            result.rejected.extend(bad)
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
        """The key of a row the warehouse refused, from the record itself, as contract validation reports it
        (the batch may hold a key converted for the driver: a UUID as text)."""
        return self._key_of(self._input[batch.index[pos]])


def _last_positions(key_columns: list[list[Any]]) -> dict[Any, int]:
    """Key -> position of its last row, built in C (a later position replaces an earlier one)."""
    keys: Iterable[Any] = key_columns[0] if len(key_columns) == 1 else zip(*key_columns, strict=False)
    return dict(zip(keys, range(len(key_columns[0])), strict=False))
