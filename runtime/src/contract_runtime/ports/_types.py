"""Plain values shared by producers, readers and transports."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from contract_runtime._checks import ContractViolation

_DURATION = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def duration_seconds(iso: str | None) -> float | None:
    """Seconds in an ISO-8601 duration of weeks/days/hours/minutes/seconds ('P7D', 'PT15M'); years and
    months have no fixed length, so they are refused rather than guessed."""
    if iso is None:
        return None
    match = _DURATION.match(iso)
    if match is None or iso in ("P", "PT"):
        raise ValueError(f"retention {iso!r} must be an ISO-8601 duration in weeks, days, hours, minutes or seconds")
    weeks, days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return (((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds


@dataclass(frozen=True, slots=True)
class Port:
    """A contract's stream port as generated code describes it: where records go and what they are."""

    name: str
    subject: str
    contract: str
    version: str
    record: str  # the record's name in the contract, used in ce-type
    key_fields: tuple[str, ...] = ()  # Python attribute names of the key fields
    retention: str | None = None  # ISO-8601 duration

    @property
    def major(self) -> int:
        return int(self.version.split(".", 1)[0])

    @property
    def retention_seconds(self) -> float | None:
        return duration_seconds(self.retention)

    @property
    def dead_letter_subject(self) -> str:
        return f"{self.subject}.dlq"

    def dead_letter_port(self, subject: str | None = None) -> Port:
        """The port dead letters go to: same contract, its own subject, same retention."""
        return Port(
            name=f"{self.name}.dead-letter",
            subject=subject or self.dead_letter_subject,
            contract=self.contract,
            version=self.version,
            record=self.record,
            retention=self.retention,
        )


@dataclass(frozen=True, slots=True)
class OutMessage:
    """One encoded message ready for a transport. ``id`` is unique per message and lets transports
    drop duplicates when a publish is retried."""

    id: str
    data: bytes
    headers: dict[str, str]
    key: str | None = None


@dataclass(slots=True)
class InMessage:
    """One message a transport delivered. ``sequence`` is its position in the stream (NATS stream
    sequence, SQLite row id, Kafka offset); ``token`` is the transport's own handle for acks."""

    subject: str
    sequence: int
    data: bytes
    headers: dict[str, str]
    key: str | None = None
    redelivered: bool = False
    token: Any = field(default=None, repr=False)


class StartKind(enum.Enum):
    STORED = "stored"  # resume where the durable consumer stopped; from the beginning if it is new
    BEGINNING = "beginning"
    END = "end"  # only messages published after the reader starts
    SEQUENCE = "sequence"


@dataclass(frozen=True, slots=True)
class StartFrom:
    """Where a reader starts: ``StartFrom.STORED`` (the default), ``.BEGINNING``, ``.END`` or
    ``StartFrom.at(sequence)``, a position the application stored itself."""

    kind: StartKind
    sequence: int = 0

    STORED: ClassVar[StartFrom]
    BEGINNING: ClassVar[StartFrom]
    END: ClassVar[StartFrom]

    @staticmethod
    def at(sequence: int) -> StartFrom:
        if sequence < 1:
            raise ValueError("stream sequences start at 1")
        return StartFrom(StartKind.SEQUENCE, sequence)


StartFrom.STORED = StartFrom(StartKind.STORED)
StartFrom.BEGINNING = StartFrom(StartKind.BEGINNING)
StartFrom.END = StartFrom(StartKind.END)


class PortError(Exception):
    """Base of the errors ports raise that are not contract violations."""


class PublishError(PortError):
    """The transport did not confirm every message after retrying. The first ``sent`` messages of the
    batch are stored (in order); the others may be stored too (a server that stored them and could not
    say so). ``unsent`` holds those others as prepared, ids included: ``producer.send(error.unsent)``
    sends them again, which stores none twice where the transport de-duplicates by message id (NATS,
    SQLite). Publishing the records again would prepare new ids."""

    def __init__(self, message: str, *, sent: int, unsent: Sequence[OutMessage] = ()) -> None:
        super().__init__(message)
        self.sent = sent
        self.unsent = tuple(unsent)


class PayloadTooLarge(PublishError):
    """A message is larger than the transport takes (NATS: the server's ``max_payload``). No retry can
    help, so it is raised at once, before any message of the batch is sent (``sent`` is 0)."""


class BatchRejected(ContractViolation):
    """Some records of a batch break the contract; nothing of the batch was sent. ``violations`` holds
    (index, violation) for every invalid record; ``path`` and ``rule`` are the first one's, with the
    index in the path (``$[3].items[0].quantity``)."""

    def __init__(self, violations: list[tuple[int, ContractViolation]]) -> None:
        index, first = violations[0]
        more = f" (and {len(violations) - 1} more invalid records)" if len(violations) > 1 else ""
        super().__init__(
            f"record {index} of the batch: {first.detail}{more}", path=f"$[{index}]{first.path[1:]}", rule=first.rule
        )
        self.violations = violations


KeyFunc = Callable[[Any], str | None]


def key_function(attributes: tuple[str, ...]) -> KeyFunc:
    """The message key of a record: its key fields' values joined by '/'; None without key fields."""
    if not attributes:
        return lambda record: None
    if len(attributes) == 1:
        (attr,) = attributes

        def single(record: Any) -> str:
            return str(getattr(record, attr))

        return single
    return lambda record: "/".join(str(getattr(record, a)) for a in attributes)
