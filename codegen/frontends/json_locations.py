"""Source positions of JSON values, by JSON pointer.

The document itself is parsed by the stdlib's fast C decoder. Positions are only needed for
diagnostics and IR locations, so they are computed on first use, by re-reading the text with the
stdlib's pure-Python scanner (``json.scanner.py_make_scanner``) hooked to record where each value
starts. Values are recorded in document order; a walk of the same document in the same order then
pairs each start offset with its JSON pointer. Objects are read as lists of pairs so that duplicate
keys (which the decoder keeps, last one winning) stay in step with the recorded offsets.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import json.decoder
import json.scanner
from collections.abc import Callable, Iterator
from typing import Any


class _Pairs(list[tuple[str, Any]]):
    """An object as read by the locator: its members in source order, duplicates included."""


_ScanOnce = Callable[[str, int], tuple[Any, int]]


class _RecordingDecoder(json.JSONDecoder):
    """A decoder whose scanner notes the start offset of every value it reads, in document order."""

    def __init__(self) -> None:
        super().__init__(object_pairs_hook=_Pairs)
        self.starts: list[int] = []
        self.parse_object = self._object
        self.parse_array = self._array
        self.scan_once = json.scanner.py_make_scanner(self)  # type: ignore[attr-defined]

    def _recording(self, scan_once: _ScanOnce) -> _ScanOnce:
        starts = self.starts

        def scan(s: str, idx: int) -> tuple[Any, int]:
            starts.append(idx)
            return scan_once(s, idx)

        return scan

    def _object(self, s_and_end: tuple[str, int], strict: bool, scan_once: _ScanOnce, *rest: Any) -> Any:
        return json.decoder.JSONObject(  # type: ignore[attr-defined]
            s_and_end, strict, self._recording(scan_once), *rest
        )

    def _array(self, s_and_end: tuple[str, int], scan_once: _ScanOnce) -> Any:
        return json.decoder.JSONArray(s_and_end, self._recording(scan_once))  # type: ignore[attr-defined]


def escape(token: str) -> str:
    """One JSON pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def join(pointer: str, *tokens: str | int) -> str:
    return pointer + "".join("/" + escape(str(t)) for t in tokens)


class Locator:
    """Maps JSON pointers of one document to 1-based (line, col).

    A pointer that ends in an object member locates the member's key (where a reader looks for
    "the property" or "the keyword"); any other pointer locates the value itself."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._values: dict[str, int] | None = None
        self._keys: dict[str, int] = {}
        self._lines: list[int] = []

    def position(self, pointer: str) -> tuple[int, int]:
        values = self._index()
        while pointer not in values and pointer:
            pointer = pointer.rsplit("/", 1)[0]  # a synthetic pointer: fall back to its nearest parent
        offset = self._keys.get(pointer, values.get(pointer, 0))
        return self.line_col(offset)

    def value_position(self, pointer: str) -> tuple[int, int]:
        return self.line_col(self._index().get(pointer, 0))

    def line_col(self, offset: int) -> tuple[int, int]:
        """Needs only the line starts, not the pointer index: it also places text that does not parse."""
        if not self._lines:
            self._lines = _line_starts(self._text)
        line = bisect.bisect_right(self._lines, offset)  # _lines[0] == 0, so line >= 1
        return line, offset - self._lines[line - 1] + 1

    def _index(self) -> dict[str, int]:
        if self._values is None:
            self._values = self._build()
        return self._values

    def _build(self) -> dict[str, int]:
        decoder = _RecordingDecoder()
        text = self._text
        start = len(text) - len(text.lstrip(" \t\n\r"))
        try:
            doc, _ = decoder.scan_once(text, start)
        except (StopIteration, ValueError, RecursionError):
            return {"": start}  # not JSON: the caller already reported that; locate everything at the start
        values: dict[str, int] = {"": start}
        # Nesting too deep to index: deeper nodes are located at their nearest indexed parent.
        with contextlib.suppress(RecursionError):
            if isinstance(doc, list):
                self._assign("", doc, iter(decoder.starts), values, text)
        return values

    def _assign(self, pointer: str, value: list[Any], starts: Iterator[int], values: dict[str, int], text: str) -> None:
        """Depth-first assignment of recorded offsets to the members of ``value``."""
        is_object = isinstance(value, _Pairs)
        members = value if is_object else list(enumerate(value))
        for key, child in members:
            child_pointer = join(pointer, key)
            offset = next(starts)
            values[child_pointer] = offset
            if is_object:
                self._keys[child_pointer] = _key_start(text, offset)
            if isinstance(child, list):
                self._assign(child_pointer, child, starts, values, text)


def _line_starts(text: str) -> list[int]:
    """Offsets at which lines start (str.find hops from newline to newline, no per-character loop)."""
    starts, find = [0], text.find
    i = find("\n")
    while i != -1:
        starts.append(i + 1)
        i = find("\n", i + 1)
    return starts


def _key_start(text: str, value_start: int) -> int:
    """The offset of the opening quote of the key whose value starts at ``value_start``.

    Walks back over whitespace and the colon to the key's closing quote, then to the first quote
    not escaped by a backslash: a JSON string holds no unescaped quote, so that is the opening one."""
    i = value_start - 1
    while i > 0 and text[i] in " \t\r\n:":
        i -= 1
    i -= 1  # before the closing quote
    while i >= 0:
        if text[i] == '"':
            backslashes = 0
            j = i - 1
            while j >= 0 and text[j] == "\\":
                backslashes += 1
                j -= 1
            if backslashes % 2 == 0:
                return i
        i -= 1
    return value_start
