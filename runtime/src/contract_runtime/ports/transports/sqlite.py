"""The embedded default transport: a durable stream in one SQLite file (WAL), no server needed.

Every message is a row with a growing sequence; a durable consumer's position is a row too. Messages
are delivered at least once: the stored position only moves past messages that were acked, so a
reader that stops (or crashes) before acking gets those messages again. Several processes may share
the file (one writer at a time; SQLite serialises them).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path

import msgspec

from contract_runtime.ports._observe import WARNING_LEVEL, log
from contract_runtime.ports._types import InMessage, OutMessage, Port, PublishError, StartFrom, StartKind

_SCHEMA = """
CREATE TABLE IF NOT EXISTS ports_messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    subject TEXT NOT NULL,
    msg_id TEXT NOT NULL,
    msg_key TEXT,
    headers BLOB NOT NULL,
    data BLOB NOT NULL,
    stored_at REAL NOT NULL,
    UNIQUE (subject, msg_id)
);
CREATE INDEX IF NOT EXISTS ports_messages_subject ON ports_messages (subject, seq);
CREATE TABLE IF NOT EXISTS ports_consumers (
    subject TEXT NOT NULL,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    delivered INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (subject, name)
);
CREATE TABLE IF NOT EXISTS ports_streams (
    subject TEXT PRIMARY KEY,
    retention REAL
);
"""
_POLL = 0.02  # seconds between looks at the file while a reader waits
_PRUNE_EVERY = 1000  # publishes between retention sweeps


def path_from_url(url: str) -> Path:
    """``sqlite:///relative.db`` and ``sqlite:////absolute/path.db``, as SQLAlchemy spells them."""
    if not url.startswith("sqlite:///"):
        raise ValueError(f"SQLite URL {url!r} must look like sqlite:///relative.db or sqlite:////abs/path.db")
    rest = url[len("sqlite:///") :].split("?", 1)[0]
    if not rest or rest == ":memory:":
        raise ValueError("the SQLite transport needs a file: an in-memory stream would not be durable")
    return Path(rest)


class SqliteTransport:
    def __init__(self, path: Path, *, synchronous: str = "NORMAL") -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
        # WAL: readers never block the writer; NORMAL survives application crashes, FULL also power loss.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={synchronous}")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(ports_consumers)")}
        if "delivered" not in columns:  # a file from before redeliveries were known after a restart
            self._db.execute("ALTER TABLE ports_consumers ADD COLUMN delivered INTEGER NOT NULL DEFAULT 0")
        self._retention: dict[str, float] = {}
        self._publishes = 0
        self._encode = msgspec.json.Encoder().encode

    @classmethod
    def open(cls, url: str) -> SqliteTransport:
        query = url.split("?", 1)[1] if "?" in url else ""
        options = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
        synchronous = options.get("synchronous", "NORMAL").upper()
        if synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ValueError(f"synchronous={synchronous} is not an SQLite synchronous mode")
        return cls(path_from_url(url), synchronous=synchronous)

    async def ensure_port(self, port: Port) -> None:
        retention = port.retention_seconds
        self._db.execute(
            "INSERT INTO ports_streams (subject, retention) VALUES (?, ?) "
            "ON CONFLICT (subject) DO UPDATE SET retention = excluded.retention",
            (port.subject, retention),
        )
        if retention is not None:
            self._retention[port.subject] = retention
            self._prune(port.subject)

    def _prune(self, subject: str) -> None:
        cutoff = time.time() - self._retention[subject]
        try:
            self._db.execute("DELETE FROM ports_messages WHERE subject = ? AND stored_at < ?", (subject, cutoff))
        except sqlite3.Error as exc:
            # Best effort, retried at the next sweep. Raising would fail a publish whose batch is already
            # committed, and a caller who retried it would store the batch twice (new ids).
            log(WARNING_LEVEL, "sqlite.retention_failed", subject=subject, error=str(exc))

    async def publish(self, subject: str, messages: Sequence[OutMessage]) -> int:
        """One transaction per call: a batch is stored whole or not at all."""
        now = time.time()
        encode = self._encode
        rows = [(subject, m.id, m.key, encode(m.headers), m.data, now) for m in messages]
        try:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany(
                    "INSERT OR IGNORE INTO ports_messages (subject, msg_id, msg_key, headers, data, stored_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    rows,
                )
        except sqlite3.Error as exc:
            raise PublishError(f"SQLite stream {self.path}: {exc}", sent=0) from exc
        self._publishes += len(rows)
        if subject in self._retention and self._publishes >= _PRUNE_EVERY:
            self._publishes = 0
            self._prune(subject)
        return len(rows)

    async def subscribe(self, port: Port, consumer: str, start: StartFrom) -> SqliteSubscription:
        return SqliteSubscription(self._db, port.subject, consumer, start)

    async def close(self) -> None:
        self._db.close()


class SqliteSubscription:
    """A durable consumer. Acks are kept in memory and the position is written at each fetch and on
    close: a crash in between redelivers what was acked since (at least once, never lost)."""

    def __init__(self, db: sqlite3.Connection, subject: str, name: str, start: StartFrom) -> None:
        self._db = db
        self.subject = subject
        self.name = name
        self._pending: dict[int, InMessage] = {}  # delivered, not acked, in sequence order
        self._again: deque[InMessage] = deque()  # nak'ed: delivered again first
        self._decode = msgspec.json.Decoder(dict[str, str]).decode
        self._cursor = self._start_position(start)
        self._committed = self._cursor
        self._written = self._committed

    def _start_position(self, start: StartFrom) -> int:
        row = self._db.execute(
            "SELECT position, delivered FROM ports_consumers WHERE subject = ? AND name = ?",
            (self.subject, self.name),
        ).fetchone()
        # Up to here this consumer was given messages before (acked or not): those come again redelivered.
        self._delivered = int(row[1]) if row else 0
        if start.kind is StartKind.STORED:
            position = int(row[0]) if row else 0
        elif start.kind is StartKind.BEGINNING:
            position = 0
        elif start.kind is StartKind.END:
            last = self._db.execute("SELECT MAX(seq) FROM ports_messages WHERE subject = ?", (self.subject,))
            position = int(last.fetchone()[0] or 0)
        else:
            position = start.sequence - 1
        self._write(position)
        return position

    def _write(self, position: int) -> None:
        self._db.execute(
            "INSERT INTO ports_consumers (subject, name, position) VALUES (?, ?, ?) "
            "ON CONFLICT (subject, name) DO UPDATE SET position = excluded.position",
            (self.subject, self.name, position),
        )
        self._written = position

    async def fetch(self, max_messages: int, timeout: float) -> list[InMessage]:
        if self._committed != self._written:
            self._write(self._committed)
        # Given-back messages come first, but with the new ones after them: one given back every time
        # (its dead letter cannot be stored) must not keep the reader from the rest of the stream.
        again = [self._again.popleft() for _ in range(min(max_messages, len(self._again)))]
        room = max_messages - len(again)
        deadline = time.monotonic() + timeout
        while True:
            try:
                rows = self._db.execute(
                    "SELECT seq, msg_key, headers, data FROM ports_messages WHERE subject = ? AND seq > ? "
                    "ORDER BY seq LIMIT ?",
                    (self.subject, self._cursor, room),
                ).fetchall()
            except BaseException:
                self._again.extendleft(reversed(again))  # still theirs to redeliver
                raise
            if rows or again or time.monotonic() >= deadline:
                break
            await asyncio.sleep(_POLL)
        seen = self._delivered
        out = [
            InMessage(self.subject, seq, data, self._decode(headers), key, seq <= seen)
            for seq, key, headers, data in rows
        ]
        for m in out:
            self._pending[m.sequence] = m
        if out:
            self._cursor = out[-1].sequence
            if self._cursor > seen:
                self._delivered = self._cursor
                try:
                    self._db.execute(
                        "UPDATE ports_consumers SET delivered = ? WHERE subject = ? AND name = ?",
                        (self._cursor, self.subject, self.name),
                    )
                except sqlite3.Error as exc:
                    # Only the redelivered marks after a restart depend on it; raising here would take
                    # these messages (the cursor is past them) from the reader until a restart.
                    log(WARNING_LEVEL, "sqlite.delivered_mark_failed", subject=self.subject, error=str(exc))
        return again + out

    async def ack(self, message: InMessage) -> None:
        if self._pending.pop(message.sequence, None) is None:
            return
        # The position moves to just before the oldest message still unacked.
        self._committed = next(iter(self._pending)) - 1 if self._pending else self._cursor

    async def nak(self, message: InMessage) -> None:
        if message.sequence in self._pending:
            message.redelivered = True
            self._again.append(message)

    async def close(self) -> None:
        if self._committed != self._written:
            self._write(self._committed)
