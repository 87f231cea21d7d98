"""Loss audit over the embedded SQLite transport: what happens to a message when something fails
between receiving it and acking it (the handler, the dead-letter store, a metrics hook, a cancel, a
Ctrl-C in sync code), and what a producer's caller learns when the store fails mid-batch."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import msgspec
import pytest
from contract_runtime.ports import (
    AsyncProducer,
    AsyncReader,
    Metrics,
    OutMessage,
    Producer,
    PublishError,
    Reader,
    connect,
    open_transport,
    read_dead_letters,
    run,
)

from tests.ports.records import CODEC, PORT, order

HEADERS = {"content-type": "application/json", "contract-name": "orders", "contract-version": "1.2.0"}
LOGGER = "contract_runtime.ports"


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/stream.db"


@contextlib.contextmanager
def side_connection(url: str) -> Iterator[sqlite3.Connection]:
    """A second connection to the stream file, as another process would have (triggers, counts)."""
    db = sqlite3.connect(url[len("sqlite:///") :], isolation_level=None)
    try:
        yield db
    finally:
        db.close()


def stored(url: str, subject: str = PORT.subject) -> int:
    with side_connection(url) as db:
        return int(db.execute("SELECT COUNT(*) FROM ports_messages WHERE subject = ?", (subject,)).fetchone()[0])


def warnings_of(caplog: pytest.LogCaptureFixture, event: str) -> int:
    return sum(1 for r in caplog.records if r.levelno >= logging.WARNING and r.getMessage().startswith(event))


def test_a_handler_exception_loses_neither_its_message_nor_the_ones_fetched_after_it(url: str) -> None:
    """The handler raises between receiving and acking: that message and every one fetched behind it
    (in the reader's buffer, never yielded) come again to the next reader of the consumer."""
    with Producer(open_transport(url), PORT, CODEC, owns_transport=True) as producer:
        producer.publish_many([order(i) for i in range(6)])
    with (
        pytest.raises(RuntimeError, match="handler bug"),
        Reader(open_transport(url), PORT, CODEC, consumer="billing", owns_transport=True) as reader,
    ):
        for delivery in reader:
            if delivery.record.order_id == "o-2":
                raise RuntimeError("handler bug")
            delivery.ack()
    with Reader(open_transport(url), PORT, CODEC, consumer="billing", owns_transport=True) as reader:
        again = reader.read(10, timeout=1)
        assert [d.record.order_id for d in again] == ["o-2", "o-3", "o-4", "o-5"]
        assert again[0].message.redelivered


def test_a_store_failure_mid_batch_stores_nothing_and_says_so(url: str) -> None:
    """Valid batch, failing store (the third row is refused): PublishError(sent=0), no row kept."""
    transport = open_transport(url)
    producer = Producer(transport, PORT, CODEC)
    producer.publish_many([])  # creates the tables
    with side_connection(url) as db:
        db.execute(
            "CREATE TRIGGER third_fails BEFORE INSERT ON ports_messages "
            "WHEN (SELECT COUNT(*) FROM ports_messages) >= 2 BEGIN SELECT RAISE(ABORT, 'disk trouble'); END"
        )
    with pytest.raises(PublishError) as failed:
        producer.publish_many([order(i) for i in range(5)])
    assert failed.value.sent == 0
    assert "disk trouble" in str(failed.value)
    assert stored(url) == 0
    assert producer.metrics["published"] == 0
    assert [m.data for m in failed.value.unsent] == [CODEC.encode(order(i)) for i in range(5)]  # all, as prepared
    with side_connection(url) as db:
        db.execute("DROP TRIGGER third_fails")
    assert producer.send(failed.value.unsent) == 5  # the same messages again; the connection is usable again
    assert stored(url) == 5
    run(transport.close())


def test_a_retention_sweep_that_fails_does_not_fail_a_stored_batch(url: str) -> None:
    """Every 1,000 messages a publish also deletes rows past the port's retention. If that sweep fails
    (another process holds the file, a trigger, ...), the batch is already committed: the caller must not
    get an error for it (a retry would store everything twice: new ids)."""
    transport = open_transport(url)
    producer = Producer(transport, PORT, CODEC)
    producer.publish_many([])
    with side_connection(url) as db:  # one row past retention, whose deletion fails
        db.execute(
            "INSERT INTO ports_messages (subject, msg_id, headers, data, stored_at) VALUES (?, 'old', '{}', x'', 0)",
            (PORT.subject,),
        )
        db.execute("CREATE TRIGGER no_delete BEFORE DELETE ON ports_messages BEGIN SELECT RAISE(ABORT, 'locked'); END")
    assert producer.publish_many([order(i) for i in range(1000)]) == 1000
    assert stored(url) == 1001
    assert producer.metrics["published"] == 1000
    run(transport.close())


def test_a_version_header_that_looks_numeric_but_is_not_is_dead_lettered(url: str) -> None:
    """'²'.isdigit() is True but int('²') raises: such a header (bytes anyone can send) must be a dead
    letter, not a ValueError out of the reader that stops it and takes the message with it."""
    transport = open_transport(url)
    Producer(transport, PORT, CODEC).publish(order(1))
    run(
        transport.publish(
            PORT.subject, [OutMessage("odd", msgspec.json.encode(order(2)), {**HEADERS, "contract-version": "²"})]
        )
    )
    Producer(transport, PORT, CODEC).publish(order(3))
    reader = Reader(transport, PORT, CODEC, consumer="r")
    got = reader.read(10, 1)
    assert [d.record.order_id for d in got] == ["o-1", "o-3"]
    for d in got:
        d.ack()
    reader.close()
    (letter,) = run(read_dead_letters(transport, PORT, "ops"))
    assert (letter.stage, letter.rule, letter.origin_sequence) == ("contract", "major_version", 2)
    run(transport.close())


def test_a_dead_letter_store_that_fails_gives_the_message_back_without_stalling_the_reader(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The dead-letter write fails (here a trigger; a full disk or a lock held too long in practice): the
    bad message is not acked, the reader goes on with the messages after it, including ones published
    later, without spinning on the bad one, and dead-letters it once the store works again."""
    transport = open_transport(url)
    run(transport.publish(PORT.subject, [OutMessage("bad", b"{not json", HEADERS)]))
    producer = Producer(transport, PORT, CODEC)
    producer.publish(order(1))
    with side_connection(url) as db:
        db.execute(
            "CREATE TRIGGER dlq_down BEFORE INSERT ON ports_messages WHEN NEW.subject = ? "
            "BEGIN SELECT RAISE(ABORT, 'dead letters unavailable'); END".replace("?", f"'{PORT.dead_letter_subject}'")
        )
    reader = Reader(transport, PORT, CODEC, consumer="r")
    first = reader.read(10, 1)
    assert [d.record.order_id for d in first] == ["o-1"]
    first[0].ack()
    producer.publish(order(2))
    later = reader.next(timeout=2)
    assert later is not None, "a bad message whose dead letter failed kept the reader from newer messages"
    assert later.record.order_id == "o-2"
    later.ack()
    assert reader.next(timeout=1) is None
    # Retried, but not in a busy loop (one failure logged per attempt).
    attempts = warnings_of(caplog, "dead_letter.failed")
    assert 1 <= attempts <= 40, attempts
    assert reader.metrics["dead_lettered"] == 0
    with side_connection(url) as db:
        db.execute("DROP TRIGGER dlq_down")
    assert reader.next(timeout=1) is None  # the bad message comes again and is stored this time
    assert reader.metrics["dead_lettered"] == 1
    reader.close()
    (letter,) = run(read_dead_letters(transport, PORT, "ops"))
    assert (letter.data, letter.origin_sequence) == (b"{not json", 1)
    run(transport.close())


def test_a_raising_metrics_hook_neither_drops_a_delivery_nor_fails_a_stored_publish(url: str) -> None:
    """``on_count`` is the application's own code (an exporter). If it raises, the publish that already
    stored its batch must not report a failure, and the reader must still hand out the record it
    counted (before, the record was taken from the buffer and then lost to the caller)."""

    def broken(name: str, n: int, labels: dict[str, str]) -> None:
        raise RuntimeError("exporter down")

    transport = open_transport(url)
    producer = Producer(transport, PORT, CODEC, metrics=Metrics(on_count=broken))
    producer.publish(order(1))
    assert producer.publish_many([order(2), order(3)]) == 2
    assert stored(url) == 3
    assert producer.metrics["published"] == 3
    reader = Reader(transport, PORT, CODEC, consumer="r", metrics=Metrics(on_count=broken))
    got = reader.read(10, 1)
    assert [d.record.order_id for d in got] == ["o-1", "o-2", "o-3"]
    assert reader.metrics["consumed"] == 3
    run(transport.close())


def test_read_dead_letters_loses_none_to_a_malformed_letter(url: str) -> None:
    """A dead letter written by hand or by another tool with an unreadable origin sequence: every letter
    is returned, and none is acked away before the caller has it."""
    transport = open_transport(url)
    dlq = PORT.dead_letter_subject
    good = {"dlq-stage": "decode", "dlq-origin-sequence": "7"}
    run(
        transport.publish(
            dlq,
            [
                OutMessage("l1", b"one", good),
                OutMessage("l2", b"two", {"dlq-stage": "decode", "dlq-origin-sequence": "seven"}),
            ],
        )
    )
    letters = run(read_dead_letters(transport, PORT, "ops", timeout=0.2))
    assert [(x.data, x.origin_sequence) for x in letters] == [(b"one", 7), (b"two", 0)]
    assert run(read_dead_letters(transport, PORT, "ops", timeout=0.2)) == []  # returned once, then acked
    run(transport.close())


def test_read_dead_letters_cancelled_midway_acks_nothing(url: str) -> None:
    """Cancelled while waiting for more letters: the ones already fetched were never returned, so they
    must not be acked either (SQLite writes the position when the consumer closes)."""

    async def main() -> None:
        transport = await connect(url)
        await transport.publish(PORT.dead_letter_subject, [OutMessage(f"l{i}", b"x", {}) for i in range(3)])
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(read_dead_letters(transport, PORT, "ops", timeout=5), 0.5)
        assert len(await read_dead_letters(transport, PORT, "ops", timeout=0.2)) == 3
        await transport.close()

    asyncio.run(main())


def test_a_cancelled_next_takes_no_message_with_it(url: str) -> None:
    """``asyncio.wait_for(reader.__anext__(), t)`` (an ``async for`` step) is the usual way to bound a
    read: each cancelled call leaves every message for the next call."""

    async def main() -> None:
        transport = await connect(url)
        producer = AsyncProducer(transport, PORT, CODEC)
        reader = AsyncReader(transport, PORT, CODEC, consumer="r", batch_size=3)
        seen: list[str] = []
        for i in range(20):
            await producer.publish(order(i))
            with contextlib.suppress(TimeoutError):
                while True:
                    delivery = await asyncio.wait_for(reader.__anext__(), 0.03)
                    seen.append(delivery.record.order_id)
                    await delivery.ack()
        with contextlib.suppress(TimeoutError):
            while True:
                delivery = await asyncio.wait_for(reader.__anext__(), 0.3)
                seen.append(delivery.record.order_id)
                await delivery.ack()
        assert seen == [f"o-{i}" for i in range(20)]
        await reader.close()
        await transport.close()

    asyncio.run(main())


def _interrupt_main_thread_after(seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, signal.pthread_kill, (threading.main_thread().ident, signal.SIGINT))
    timer.start()
    return timer


def test_ctrl_c_in_a_sync_read_leaves_no_read_running_that_takes_the_next_message(url: str) -> None:
    """Ctrl-C while a sync ``next()`` waits: the wait runs on the ports loop thread, so unless it is
    cancelled it keeps reading there and takes the next message for a caller who is gone; the
    application (which caught KeyboardInterrupt, or reads on after a shutdown prompt) never gets it."""
    assert threading.current_thread() is threading.main_thread()

    def raise_interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, raise_interrupt)
    transport = open_transport(url)
    try:
        Producer(transport, PORT, CODEC).publish_many([])
        reader = Reader(transport, PORT, CODEC, consumer="r")
        timer = _interrupt_main_thread_after(0.3)
        with pytest.raises(KeyboardInterrupt):
            reader.next()  # waits for a message; Ctrl-C arrives
        timer.join()
        other = open_transport(url)  # a message arrives while the application handles the interrupt
        Producer(other, PORT, CODEC, owns_transport=True).publish(order(1))
        time.sleep(0.3)
        delivery = reader.next(timeout=2)
        assert delivery is not None, "the interrupted read took the message"
        assert delivery.record.order_id == "o-1"
        delivery.ack()
        reader.close()
    finally:
        signal.signal(signal.SIGINT, previous)
        run(transport.close())


def test_a_failing_delivered_mark_does_not_take_the_fetched_messages_away(url: str) -> None:
    """A fetch moves the cursor past the rows it read, then marks them delivered (for the redelivered flag
    after a restart). If that write fails, the rows must still be handed out: raised instead, they were
    past the cursor, unacked, and never given again until the process restarted."""
    transport = open_transport(url)
    Producer(transport, PORT, CODEC).publish_many([order(1), order(2)])
    reader = Reader(transport, PORT, CODEC, consumer="r")
    assert reader.next(timeout=0.1) is not None  # the consumer row exists; o-1 handed out, o-2 buffered
    reader.close()
    with side_connection(url) as db:
        db.execute(
            "CREATE TRIGGER mark_fails BEFORE UPDATE OF delivered ON ports_consumers "
            "BEGIN SELECT RAISE(ABORT, 'busy'); END"
        )
    Producer(transport, PORT, CODEC).publish(order(3))
    reader = Reader(transport, PORT, CODEC, consumer="r")
    got = reader.read(10, 1)
    assert [d.record.order_id for d in got] == ["o-1", "o-2", "o-3"]
    reader.close()
    run(transport.close())
