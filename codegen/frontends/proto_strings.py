"""String literals protoc must never see in an option: ones that are not UTF-8 once unescaped.

protoc (3.x up to at least 29, grpcio-tools included) checks that a custom option's value still parses
after serializing it, and a string field holding invalid UTF-8 ("\\xff", "\\377", "\\ud800", or raw
bytes in the file) fails that check with a CHECK failure: protoc aborts the whole process, and with it
the compiler, which runs protoc in process. So such a literal is reported as E020 before protoc runs.
Only literals inside options are judged: a bytes field's ``[default = "\\377"]`` is valid protobuf.
"""

from __future__ import annotations

import re
from pathlib import Path

_SIMPLE = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92, "'": 39, '"': 34, "?": 63}
# Comments, string literals (either quote, with escapes), and the tokens that open or close an option.
_TOKEN = re.compile(
    rb"""//[^\n]*|/\*.*?\*/|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|\boption\b|[\[\](){};,=]|\w+""", re.S
)


def bad_option_strings(path: Path) -> list[tuple[int, int, str]]:
    """(line, col, literal) of every string literal in an option whose value is not UTF-8."""
    data = path.read_bytes()
    if data.isascii() and b"\\" not in data:
        return []  # the common case: nothing to unescape, nothing but ASCII
    found: list[tuple[int, int, str]] = []
    in_option = False  # inside `option ... ;` or a field's `[...]`
    depth = 0  # braces and brackets open inside the option
    previous: list[bytes] = []  # the last two tokens that are not comments
    run: list[re.Match[bytes]] = []  # adjacent literals: protoc joins "\xc3" "\xa9" into one value
    for m in _TOKEN.finditer(data):
        tok = m.group()
        if tok.startswith((b"//", b"/*")):
            continue
        if tok[:1] in (b'"', b"'"):
            if in_option and previous[-2:] != [b"default", b"="]:
                run.append(m)
            continue
        if run:
            found.extend(_check(data, run))
            run = []
        if tok == b"option" and not in_option:
            in_option, depth = True, 0
        elif tok == b"[" and not in_option:
            in_option, depth = True, 1
        elif in_option and tok in (b"{", b"[", b"("):
            depth += 1
        elif in_option and tok in (b"}", b"]", b")"):
            depth -= 1
            in_option = depth > 0 or tok != b"]"
        elif in_option and tok == b";" and depth == 0:
            in_option = False
        previous = [*previous[-1:], tok]
    if run:
        found.extend(_check(data, run))
    return found


def _check(data: bytes, run: list[re.Match[bytes]]) -> list[tuple[int, int, str]]:
    value = b"".join(_unescape(m.group()[1:-1]) for m in run)
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        start = run[0].start()
        line = data.count(b"\n", 0, start) + 1
        col = start - (data.rfind(b"\n", 0, start) + 1) + 1
        literal = b" ".join(m.group() for m in run).decode("utf-8", "backslashreplace")
        return [(line, col, literal)]
    return []


def _unescape(body: bytes) -> bytes:
    """A literal's bytes as protoc's tokenizer reads them (octal, \\x, \\u and \\U escapes included)."""
    out = bytearray()
    text = body.decode("latin-1")  # one char per byte: raw non-UTF-8 bytes stay what they are
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\" or i + 1 == len(text):
            out.append(ord(c))
            i += 1
            continue
        e = text[i + 1]
        if e in _SIMPLE:
            out.append(_SIMPLE[e])
            i += 2
        elif e in "01234567":
            digits = re.match(r"[0-7]{1,3}", text[i + 1 :])
            assert digits is not None
            out.append(int(digits.group(), 8) & 0xFF)
            i += 1 + len(digits.group())
        elif e in "xX" and (h := re.match(r"[0-9a-fA-F]{1,2}", text[i + 2 :])):
            out.append(int(h.group(), 16))
            i += 2 + len(h.group())
        elif e in "uU" and (h := re.match(r"[0-9a-fA-F]{4}" if e == "u" else r"[0-9a-fA-F]{8}", text[i + 2 :])):
            cp = int(h.group(), 16)
            i += 2 + len(h.group())
            low = re.match(r"\\u([dD][c-fC-F][0-9a-fA-F]{2})", text[i:])
            if 0xD800 <= cp <= 0xDBFF and low:  # a surrogate pair, which protoc joins into one code point
                cp = 0x10000 + ((cp - 0xD800) << 10) + (int(low.group(1), 16) - 0xDC00)
                i += len(low.group())
            # A lone surrogate (or beyond U+10FFFF) is what protoc writes as bytes no UTF-8 decoder takes.
            out += chr(cp).encode("utf-8", "surrogatepass") if cp <= 0x10FFFF else b"\xff"
        else:  # an escape protoc rejects itself, with a located error
            out.append(ord(c))
            i += 1
    return bytes(out)
