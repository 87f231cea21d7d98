"""Connecting to NATS: the first connect is bounded by $CONTRACT_PORTS_RETRY_FOR and fails with a PortError
naming the server; reconnects after it stay unlimited (see the restart test in test_nats.py); a deliberate
close logs no warning, a lost server does."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest
from contract_runtime.ports import PortError, connect
from contract_runtime.ports.transports.nats import NatsTransport

from tests.ports.nats_server import (
    SHARED_URL,
    NatsServer,
    free_port,
    needs_binary,
    needs_shared,
)

pytestmark = pytest.mark.slow
LOGGER = "contract_runtime.ports"


def warnings(caplog: pytest.LogCaptureFixture, event: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING and r.getMessage().startswith(event)]


def test_an_unreachable_server_fails_the_connect_within_the_retry_budget(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("CONTRACT_PORTS_RETRY_FOR", "2")
    url = f"nats://user:secret@127.0.0.1:{free_port()}"  # nothing listens there
    caplog.set_level(logging.DEBUG, LOGGER)
    started = time.monotonic()
    with pytest.raises(PortError) as caught:
        asyncio.run(connect(url))
    elapsed = time.monotonic() - started
    assert elapsed < 30, f"connect gave up after {elapsed:.1f}s on a 2s budget"  # a hang test, not a speed test
    assert elapsed >= 1.5, "the connect must keep retrying for the budget, not give up at the first refusal"
    message = str(caught.value)
    assert url.replace("user:secret@", "***@") in message
    assert "secret" not in message
    assert "2s" in message and "CONTRACT_PORTS_RETRY_FOR" in message
    assert isinstance(caught.value.__cause__, OSError)  # the last attempt's error, chained
    # Every failed attempt is logged, but only the first one as a warning.
    assert len(warnings(caplog, "nats.connect_retry")) == 1
    assert len([r for r in caplog.records if r.getMessage().startswith("nats.connect_retry")]) > 1
    assert not warnings(caplog, "nats.disconnected")


def test_the_sync_api_fails_the_same_way(monkeypatch: pytest.MonkeyPatch) -> None:
    from contract_runtime.ports import open_transport

    monkeypatch.setenv("CONTRACT_PORTS_RETRY_FOR", "1")
    started = time.monotonic()
    with pytest.raises(PortError, match=r"no connection to nats://127\.0\.0\.1:"):
        open_transport(f"nats://127.0.0.1:{free_port()}")
    assert time.monotonic() - started < 30


@needs_binary
def test_a_server_that_comes_up_within_the_budget_is_connected_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTRACT_PORTS_RETRY_FOR", "30")
    server = NatsServer(tmp_path / "js")

    async def main() -> None:
        connecting = asyncio.create_task(connect(server.url))
        await asyncio.sleep(1.0)
        assert not connecting.done()
        await asyncio.to_thread(server.start)
        transport = await asyncio.wait_for(connecting, 30)
        assert isinstance(transport, NatsTransport)
        assert transport.nc.is_connected
        await transport.close()

    try:
        asyncio.run(main())
    finally:
        server.stop()


@needs_shared
def test_a_deliberate_close_logs_no_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, LOGGER)

    async def main() -> None:
        transport = await connect(SHARED_URL)
        await transport.close()

    asyncio.run(main())
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert any(r.getMessage().startswith("nats.closed") for r in caplog.records)


@needs_binary
def test_a_lost_server_is_still_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, LOGGER)
    server = NatsServer(tmp_path / "js")
    server.start()

    async def main() -> None:
        transport = await connect(server.url)
        await asyncio.to_thread(server.stop)
        deadline = time.monotonic() + 10
        while not warnings(caplog, "nats.disconnected") and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await transport.close()

    try:
        asyncio.run(main())
    finally:
        server.stop()
    assert len(warnings(caplog, "nats.disconnected")) == 1
