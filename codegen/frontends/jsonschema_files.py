"""JSON Schema input files: reading, draft detection, meta-schema validation, and the `$ref` registry.

Every file is parsed with the stdlib, checked against its draft's meta-schema with ``jsonschema``
and registered in one ``referencing`` Registry under its file URI (and its ``$id``), so ``$ref``s
resolve across files exactly as the specification says, relative paths included.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urldefrag, urljoin

import jsonschema_rs
import msgspec
import referencing.exceptions
from referencing import Registry, Resource, Specification
from referencing.jsonschema import DRAFT4, DRAFT6, DRAFT7, DRAFT201909, DRAFT202012

from codegen.constraints import MAX_VALUE_DEPTH
from codegen.diagnostics import Diagnostics, Location, display_path
from codegen.frontends.json_locations import Locator, join

if TYPE_CHECKING:
    from jsonschema.protocols import Validator


class Draft(msgspec.Struct, frozen=True):
    name: str  # as in ir.Source.dialect: "2020-12", "2019-09", "draft-07"
    validator_name: str  # the ``jsonschema`` validator class for this draft
    spec: Specification[Any]

    @property
    def validator(self) -> type[Validator]:
        """Imported when first asked for: only a schema that fails the fast meta-schema check needs
        ``jsonschema`` (some 15 ms of imports that `breaking` and valid inputs never pay)."""
        import jsonschema

        return cast("type[Validator]", getattr(jsonschema, self.validator_name))

    @property
    def modern(self) -> bool:
        """2019-09 and later: `$ref` applies next to sibling keywords; `deprecated` is a keyword."""
        return self.name in ("2020-12", "2019-09")


DRAFT_2020 = Draft("2020-12", "Draft202012Validator", DRAFT202012)
DRAFTS = {
    "json-schema.org/draft/2020-12/schema": DRAFT_2020,
    "json-schema.org/draft/2019-09/schema": Draft("2019-09", "Draft201909Validator", DRAFT201909),
    "json-schema.org/draft-07/schema": Draft("draft-07", "Draft7Validator", DRAFT7),
    # draft-06 differs from draft-07 only by keywords draft-07 added: its schemas mean the same.
    "json-schema.org/draft-06/schema": Draft("draft-06", "Draft6Validator", DRAFT6),
    # draft-04 is checked against its own meta-schema, then read as draft-07 (see ``_from_draft4``).
    "json-schema.org/draft-04/schema": Draft("draft-04", "Draft4Validator", DRAFT4),
}


_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_DEPTH = MAX_VALUE_DEPTH  # a whole schema document, checked before anything reads it recursively


def _unreadable(doc: Any) -> tuple[str, str, str] | None:
    """The first value or key in ``doc`` that Python's json reads but no schema can hold: a number that is
    not finite (NaN, Infinity, 1e400), a string with a lone surrogate ("\\ud800", not Unicode text), or an
    array or object nested deeper than MAX_DEPTH. Returns its pointer, what it is ("number", "string", "key",
    "array", "object") and what is wrong (document order; no recursion, as
    json.loads reads documents nested nearly as deep as Python's recursion limit)."""
    stack: list[tuple[str, Any, int]] = [("", doc, 0)]
    while stack:
        pointer, node, depth = stack.pop()
        if depth > MAX_DEPTH and isinstance(node, dict | list):
            return pointer, "array" if isinstance(node, list) else "object", f"nested deeper than {MAX_DEPTH} levels"
        if isinstance(node, float) and not math.isfinite(node):
            return pointer, "number", "is not a finite 64-bit float"
        if isinstance(node, str) and _SURROGATE.search(node):
            return pointer, "string", "holds a lone surrogate (not Unicode text)"
        items = (
            list(node.items()) if isinstance(node, dict) else list(enumerate(node)) if isinstance(node, list) else []
        )
        for key, _ in items:
            if isinstance(key, str) and _SURROGATE.search(key):
                return join(pointer, key), "key", "holds a lone surrogate (not Unicode text)"
        stack.extend((join(pointer, key), value, depth + 1) for key, value in reversed(items))
    return None


def _too_deep(text: str) -> int:
    """The offset of the first bracket nested deeper than MAX_DEPTH (the Locator, recursive, gives up there)."""
    depth, in_string, escaped = 0, False, False
    for i, c in enumerate(text):
        if in_string:
            in_string = escaped or c != '"'
            escaped = not escaped and c == "\\"
        elif c == '"':
            in_string = True
        elif c in "[{":
            depth += 1
            if depth > MAX_DEPTH + 1:  # the root is at depth 1
                return i
        elif c in "]}":
            depth -= 1
    return 0


OLD_DRAFTS = ("json-schema.org/draft-03/schema",)


class SchemaFile(msgspec.Struct):
    path: Path
    display: str
    uri: str  # the file's own URI: relative `$ref`s resolve against it
    text: str
    doc: Any
    draft: Draft
    locator: Locator
    pointers: dict[int, str] = msgspec.field(default_factory=dict)  # id() of each dict/list in doc -> JSON pointer
    refs: list[tuple[str, str]] = msgspec.field(default_factory=list)  # (pointer of the node, `$ref` value)
    valid: bool = True  # passed its meta-schema

    def loc(self, pointer: str) -> Location:
        line, col = self.locator.position(pointer)
        return Location(self.display, line, col)

    @property
    def stem(self) -> str:
        return file_stem(self.path)

    @property
    def own_id(self) -> str | None:
        value = self.doc.get("$id") if isinstance(self.doc, dict) else None
        return urljoin(self.uri, value) if isinstance(value, str) and value else None


def file_stem(path: Path) -> str:
    name = path.name
    for suffix in (".schema.json", ".json"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def read_files(paths: Sequence[Path], diags: Diagnostics) -> list[SchemaFile]:
    files = [f for p in paths if (f := _read(p, diags)) is not None]
    for f in files:
        _validate(f, diags)
        if f.draft.name == "draft-04" and f.valid:
            _from_draft4(f.doc)
    return files


def _from_draft4(node: Any, root: bool = True) -> None:
    """A valid draft-04 schema, rewritten in place to mean the same in draft-07: a boolean
    exclusiveMinimum/exclusiveMaximum qualifies minimum/maximum, where later drafts give the bound itself;
    the root's ``id`` (its base URI; later ``$id``) is dropped, as inputs resolve against their own files.
    Containers stay the same objects, so every location found for them still holds."""
    if isinstance(node, list):
        for item in node:
            _from_draft4(item, root=False)
        return
    if not isinstance(node, dict):
        return
    for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(node.get(flag), bool):  # a schema keyword: no property schema is a boolean in draft-04
            if node[flag] and bound in node:
                node[flag] = node.pop(bound)
            else:
                del node[flag]
    if root and isinstance(node.get("id"), str):
        del node["id"]
    for value in node.values():
        _from_draft4(value, root=False)


def _read(path: Path, diags: Diagnostics) -> SchemaFile | None:
    display = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        diags.report(Location(display), "E001", f"cannot read {display}: {exc}")
        return None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        diags.report(Location(display, exc.lineno, exc.colno), "E002", f"invalid JSON: {exc.msg}")
        return None
    except RecursionError:
        diags.report(Location(display, 1, 1), "E002", "invalid JSON: nested too deeply")
        return None
    except ValueError:  # not a JSONDecodeError: an integer longer than Python converts (CVE-2020-10735)
        limit = sys.get_int_max_str_digits()
        long = re.search(rf"[0-9]{{{limit + 1},}}", text)
        line, col = Locator(text).line_col(long.start() if long else 0)
        diags.report(Location(display, line, col), "E002", f"invalid JSON: a number of more than {limit} digits")
        return None
    locator = Locator(text)
    if (bad := _unreadable(doc)) is not None:
        # Python reads NaN, Infinity, 1e400 and "\ud800": no record, bound or generated file can hold them.
        pointer, what, problem = bad
        if what in ("array", "object"):
            line, col = locator.line_col(_too_deep(text))
            diags.report(Location(display, line, col), "E002", f"invalid JSON: {what} {problem}")
            return None
        line, col = locator.position(pointer) if what == "key" else locator.value_position(pointer)
        spelled = re.match(r'"(?:[^"\\]|\\.)*"|[-+\w.]+', text.splitlines()[line - 1][col - 1 :])
        token = spelled.group() if spelled else "value"
        diags.report(Location(display, line, col), "E002", f"invalid JSON: {what} {token[:40]} {problem}")
        return None
    draft = _draft(doc, display, locator, diags)
    if draft is None:
        return None
    f = SchemaFile(path, display, path.resolve().as_uri(), text, doc, draft, locator)
    try:
        f.own_id  # noqa: B018 -- urljoin raises on a malformed URI ("http://[::1"): resolving would crash later
    except ValueError as exc:
        diags.report(f.loc("/$id"), "E010", f"$id {doc['$id']!r} is not a URI reference: {exc}")
        return None
    _index(f)
    return f


def _draft(doc: Any, display: str, locator: Locator, diags: Diagnostics) -> Draft | None:
    uri = doc.get("$schema") if isinstance(doc, dict) else None
    if uri is None:
        return DRAFT_2020
    if not isinstance(uri, str):
        return DRAFT_2020  # the meta-schema check reports the wrong type
    key = uri.split("://", 1)[-1].rstrip("#")
    draft = DRAFTS.get(key)
    if draft is not None:
        return draft
    line, col = locator.position("/$schema")
    if key in OLD_DRAFTS:
        message = (
            f"$schema {uri!r}: draft-03 and older are not supported (required as a boolean, 'disallow'); "
            "move to draft-07 or 2020-12"
        )
    else:
        message = f"$schema {uri!r} is not a supported draft: use 2020-12, 2019-09 or draft-07"
    diags.report(Location(display, line, col), "E011", message)
    return None


@cache
def _meta_validator(draft: Draft) -> Validator:
    return draft.validator(draft.validator.META_SCHEMA)


def _passes_fast_check(doc: Any) -> bool:
    """jsonschema-rs checks a schema against its meta-schema ~300x faster than the pure-Python validator;
    the Python validator runs only when that check fails, to locate and word each error."""
    try:
        return bool(jsonschema_rs.meta.is_valid(doc))
    except Exception:  # a draft or shape the fast checker does not take: let the full validator decide
        return False


def _validate(f: SchemaFile, diags: Diagnostics) -> None:
    """Meta-schema errors as E010, each at the node it is about."""
    if _passes_fast_check(f.doc):
        return
    try:
        for error in _meta_validator(f.draft).iter_errors(f.doc):
            f.valid = False
            pointer = join("", *error.absolute_path)
            message = error.message if len(error.message) <= 160 else error.message[:157] + "..."
            diags.report(f.loc(pointer), "E010", f"not a valid {f.draft.name} schema: {message}")
    except RecursionError:
        f.valid = False
        diags.report(Location(f.display, 1, 1), "E010", "schema nests too deeply to be validated")


def _index(f: SchemaFile) -> None:
    """Pointers of every container (to locate `$ref` targets) and every `$ref` string in the file."""
    stack: list[tuple[str, Any]] = [("", f.doc)]
    while stack:
        pointer, value = stack.pop()
        if isinstance(value, dict):
            f.pointers[id(value)] = pointer
            ref = value.get("$ref")
            if isinstance(ref, str):
                f.refs.append((pointer, ref))
            stack.extend((join(pointer, k), v) for k, v in value.items() if isinstance(v, dict | list))
        elif isinstance(value, list):
            f.pointers[id(value)] = pointer
            stack.extend((join(pointer, i), v) for i, v in enumerate(value) if isinstance(v, dict | list))
    f.refs.sort()


# -- $ref resolution --------------------------------------------------------------------------------


class Target(msgspec.Struct, frozen=True):
    """Where a `$ref` lands: the schema value, its file and its pointer there."""

    value: Any
    file: SchemaFile
    pointer: str


class Refs:
    """Resolves `$ref`s with a ``referencing`` Registry holding every input file."""

    def __init__(self, files: Sequence[SchemaFile]) -> None:
        self.files = list(files)
        resources: list[tuple[str, Resource[Any]]] = []
        for f in files:
            resource = f.draft.spec.create_resource(f.doc)
            resources.append((f.uri, resource))
            if f.own_id is not None:
                resources.append((urldefrag(f.own_id).url, resource))
        registry: Registry[Any] = Registry().with_resources(resources)
        # Embedded `$id`s and anchors; a malformed document fails here, and each lookup reports it.
        with contextlib.suppress(Exception):
            registry = registry.crawl()
        self.registry = registry
        self._owner: dict[int, SchemaFile] = {}
        for f in files:
            for key in f.pointers:
                self._owner[key] = f

    def resolve(self, f: SchemaFile, ref: str) -> Target | str:
        """The target of ``ref`` written in ``f``, or why it cannot be resolved."""
        problem = "cannot be resolved"
        for base in dict.fromkeys(b for b in (f.uri, f.own_id) if b is not None):
            try:
                resolved = self.registry.resolver(base_uri=base).lookup(ref)
            except referencing.exceptions.Unresolvable as exc:
                problem = _explain(exc, ref)
                continue
            except Exception as exc:  # a malformed `$ref` string or document
                problem = f"cannot be resolved: {exc}"
                continue
            return self._target(resolved.contents, f, ref)
        return problem

    def _target(self, value: Any, f: SchemaFile, ref: str) -> Target | str:
        if isinstance(value, bool):
            return Target(value, f, "")
        owner = self._owner.get(id(value))
        if owner is None or not isinstance(value, dict):
            return "does not point at a schema"
        return Target(value, owner, owner.pointers[id(value)])

    def file_of(self, f: SchemaFile, ref: str) -> SchemaFile | None:
        """The file a `$ref` points into, when it resolves."""
        target = self.resolve(f, ref)
        return target.file if isinstance(target, Target) else None


def _explain(exc: referencing.exceptions.Unresolvable, ref: str) -> str:
    if isinstance(exc, referencing.exceptions.PointerToNowhere):
        return f"points at {exc.ref!r}, which does not exist"
    if isinstance(exc, referencing.exceptions.NoSuchAnchor):
        return f"names anchor {exc.anchor!r}, which does not exist"
    return "names a document that is not among the input files (the compiler never fetches schemas)"
