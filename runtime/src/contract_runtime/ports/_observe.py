"""Observability hooks: counters, publish latency, an OpenTelemetry span per publish/consume when the
API is installed, and structured logs on the ``contract_runtime.ports`` logger."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger("contract_runtime.ports")
WARNING_LEVEL = logging.WARNING

COUNTERS = ("published", "rejected", "consumed", "dead_lettered", "publish_retries")

try:
    from opentelemetry import trace as _otel_trace

    _tracer: Any = _otel_trace.get_tracer("contract_runtime.ports")
except ImportError:  # pragma: no cover - depends on the environment
    _tracer = None
_configured = False  # a tracer provider was set: it stays set (OpenTelemetry refuses to replace it)


def _tracing() -> bool:
    """Whether spans go anywhere. Through the API alone, with no SDK configured, a span records nothing
    but still costs about 6 us (context attach and detach, wrappers): more than decoding a record. So
    until a provider is set, asking costs about 0.8 us instead."""
    global _configured
    if not _configured and _tracer is not None:
        _configured = not isinstance(_otel_trace.get_tracer_provider(), _otel_trace.ProxyTracerProvider)
    return _configured


@dataclass
class Metrics:
    """Counters and publish latency of one producer or reader. ``on_count`` / ``on_latency`` let a
    platform forward them (Prometheus, StatsD, OpenTelemetry metrics) without this runtime knowing it."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    latency_count: int = 0
    latency_total: float = 0.0
    latency_max: float = 0.0
    on_count: Callable[[str, int, dict[str, str]], None] | None = None
    on_latency: Callable[[float, dict[str, str]], None] | None = None
    labels: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    _hook_failures: int = field(default=0, repr=False, init=False)

    def count(self, name: str, n: int = 1) -> None:
        with self._lock:
            self.counts[name] = self.counts.get(name, 0) + n
        if self.on_count is not None:
            try:
                self.on_count(name, n, self.labels)
            except Exception as exc:  # the application's hook: see _hook_failed
                self._hook_failed(exc)

    def latency(self, seconds: float) -> None:
        with self._lock:
            self.latency_count += 1
            self.latency_total += seconds
            self.latency_max = max(self.latency_max, seconds)
        if self.on_latency is not None:
            try:
                self.on_latency(seconds, self.labels)
            except Exception as exc:  # the application's hook: see _hook_failed
                self._hook_failed(exc)

    def _hook_failed(self, exc: Exception) -> None:
        """A hook is the application's exporter; its failure must not change what the port does: a
        reader counts a record before handing it out, a producer after the batch is stored, so raising
        would lose the delivery or report a stored batch as failed. Logged (a warning the first time)."""
        self._hook_failures += 1
        level = WARNING_LEVEL if self._hook_failures == 1 else logging.DEBUG
        log(level, "metrics.hook_failed", labels=self.labels, error=repr(exc), failures=self._hook_failures)

    def __getitem__(self, name: str) -> int:
        return self.counts.get(name, 0)


@contextlib.contextmanager
def span(name: str, attributes: dict[str, str | int]) -> Iterator[None]:
    """An OpenTelemetry span when the API is installed and a tracer provider (an SDK) is configured,
    nothing otherwise."""
    if not _tracing():
        yield
        return
    with _tracer.start_as_current_span(name, attributes=attributes):
        yield


def log(level: int, event: str, **fields: object) -> None:
    """A structured log record: the event name as message, the fields in ``extra`` (and readable)."""
    if logger.isEnabledFor(level):
        text = " ".join(f"{k}={v!r}" for k, v in fields.items())
        logger.log(level, f"{event} {text}", extra={"event": event, "fields": fields})
