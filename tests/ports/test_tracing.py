"""OpenTelemetry: a span per publish and per consumed message once an SDK is configured (the real SDK
here, exporting to memory), and none at all through the API alone, where a span records nothing but
would cost more than decoding the record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from contract_runtime.ports import Producer, Reader, _observe, open_transport
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.ports.records import CODEC, PORT, order


def _round_trip(tmp_path: Path, n: int) -> None:
    url = f"sqlite:///{tmp_path}/stream.db"
    with Producer(open_transport(url), PORT, CODEC, owns_transport=True) as producer:
        assert producer.publish_many([order(i) for i in range(n)]) == n
    with Reader(open_transport(url), PORT, CODEC, consumer="traced", owns_transport=True) as reader:
        got = reader.read(100, timeout=2)
        assert len(got) == n
        for d in got:
            d.ack()


def test_no_span_is_started_while_no_tracer_provider_is_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Refusing:
        def start_as_current_span(self, *args: Any, **kwargs: Any) -> Any:
            raise AssertionError("a span was started with no tracer provider configured")

    monkeypatch.setattr(_observe, "_tracer", Refusing())
    monkeypatch.setattr(_observe, "_configured", False)
    monkeypatch.setattr(trace, "get_tracer_provider", trace.ProxyTracerProvider)  # what the API returns unset
    _round_trip(tmp_path, 3)


def test_spans_per_publish_and_per_consumed_message_with_the_sdk(tmp_path: Path) -> None:
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        trace.set_tracer_provider(TracerProvider())  # process-wide and final, as in an application
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))

    _round_trip(tmp_path, 3)

    spans = [s for s in exporter.get_finished_spans() if s.name.endswith(PORT.subject)]
    publish = [s for s in spans if s.name == f"publish {PORT.subject}"]
    consume = [s for s in spans if s.name == f"consume {PORT.subject}"]
    assert [s.attributes["messaging.batch.message_count"] for s in publish if s.attributes] == [3]
    assert sorted(s.attributes["messaging.message.sequence"] for s in consume if s.attributes) == [1, 2, 3]
    exporter.shutdown()
