"""A schema node and its *view*: the keywords that apply to it once `allOf` and `$ref` siblings are merged.

Lowering reads views, never raw dicts, so ``{"allOf": [A, B]}`` and a single schema holding A's and
B's keywords lower the same way. Merging unites properties and ``required``, keeps the first
annotation, takes the tighter of two bounds, and reports keywords that disagree (E014).
"""

from __future__ import annotations

from typing import Any

import msgspec

from codegen.diagnostics import Diagnostics, Location
from codegen.frontends.json_locations import join
from codegen.frontends.jsonschema_files import Refs, SchemaFile, Target
from codegen.frontends.jsonschema_keywords import ANNOTATIONS

JSON_TYPES = ("object", "array", "string", "integer", "number", "boolean", "null")
LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems")
UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems")
# Keywords a view never carries itself: they are merged away or are containers of other schemas.
MERGED_AWAY = ("allOf", "$ref", "$defs", "definitions", "properties", "required")


class Node(msgspec.Struct, frozen=True):
    """A value inside a schema file, with its JSON pointer there."""

    value: Any
    file: SchemaFile
    pointer: str

    def at(self, *tokens: str | int) -> Node:
        value = self.value
        for t in tokens:
            value = value[t]
        return Node(value, self.file, join(self.pointer, *tokens))

    @property
    def location(self) -> Location:
        return self.file.loc(self.pointer)

    @property
    def key(self) -> tuple[str, str]:
        return (self.file.uri, self.pointer)

    def get(self, keyword: str) -> Any:
        return self.value.get(keyword) if isinstance(self.value, dict) else None


class View(msgspec.Struct):
    node: Node  # the schema this view is of: its location, and the name its record takes
    key: tuple[str, str, str]  # memo key: (file uri, pointer, variant tag)
    kw: dict[str, Node] = msgspec.field(default_factory=dict)  # keyword -> where its value is written
    props: dict[str, list[Node]] = msgspec.field(default_factory=dict)  # every allOf part's schema for the property
    required: list[str] = msgspec.field(default_factory=list)
    required_at: Node | None = None

    def value(self, keyword: str) -> Any:
        n = self.kw.get(keyword)
        return None if n is None else n.value

    def copy(self, key: tuple[str, str, str]) -> View:
        props = {k: list(v) for k, v in self.props.items()}
        return View(self.node, key, dict(self.kw), props, list(self.required), self.required_at)

    def type_bearing(self) -> list[str]:
        """Keywords that constrain the value (not annotations, not `type` alone)."""
        found = [k for k in self.kw if k not in ANNOTATIONS and k not in ("type", "oneOf", "anyOf")]
        return found + (["properties"] if self.props else []) + (["required"] if self.required else [])


class ViewBuilder:
    def __init__(self, refs: Refs, diags: Diagnostics) -> None:
        self.refs = refs
        self.diags = diags

    def build(self, node: Node, key: tuple[str, str, str] | None = None) -> View:
        view = View(node, key or (*node.key, ""))
        self.merge(view, node, set())
        return view

    def resolve(self, node: Node) -> Node | None:
        """The schema a `$ref` names (E013 when it names nothing)."""
        ref = node.get("$ref")
        if not isinstance(ref, str):
            return None
        target = self.refs.resolve(node.file, ref)
        if isinstance(target, Target):
            return Node(target.value, target.file, target.pointer)
        self.diags.report(node.at("$ref").location, "E013", f"$ref {ref!r} {target}")
        return None

    def merge(self, view: View, node: Node, active: set[tuple[str, str]]) -> None:
        """Merge ``node``'s keywords, then its `$ref` target's, then each `allOf` part's, into ``view``."""
        value = node.value
        if value is False:
            self.diags.report(node.location, "E014", "schema 'false' accepts no value and has no type")
            return
        if not isinstance(value, dict) or node.key in active:
            if node.key in active:
                self.diags.report(node.location, "E014", "allOf / $ref cycle: a schema cannot include itself")
            return
        active = active | {node.key}
        for keyword in value:
            if keyword not in MERGED_AWAY:
                self._merge_keyword(view, keyword, node.at(keyword))
        self._merge_properties(view, node)
        if "$ref" in value and (target := self.resolve(node)) is not None:
            self.merge(view, target, active)
        parts = value.get("allOf")
        if isinstance(parts, list):
            for i in range(len(parts)):
                self.merge(view, node.at("allOf", i), active)

    def _merge_properties(self, view: View, node: Node) -> None:
        props = node.get("properties")
        if isinstance(props, dict):
            for name in props:
                sub = node.at("properties", name)
                seen = view.props.setdefault(name, [])
                if sub.value is not True and sub.value != {} and all(sub.value != n.value for n in seen):
                    seen.append(sub)  # parts that only declare the property (true, {}) add nothing
                elif not seen:
                    seen.append(sub)
        required = node.get("required")
        if isinstance(required, list):
            view.required_at = view.required_at or node.at("required")
            view.required.extend(r for r in required if isinstance(r, str) and r not in view.required)

    def _merge_keyword(self, view: View, keyword: str, node: Node) -> None:
        seen = view.kw.get(keyword)
        if seen is None:
            view.kw[keyword] = node
            return
        if seen.value == node.value or keyword in ANNOTATIONS:
            return  # the first annotation wins: the outer schema's own description, not a part's
        if keyword in LOWER_BOUNDS or keyword in UPPER_BOUNDS:
            pick = max if keyword in LOWER_BOUNDS else min
            if _is_number(seen.value) and _is_number(node.value):
                view.kw[keyword] = seen if pick(seen.value, node.value) == seen.value else node
            return
        if keyword == "type":
            common = _intersect_types(seen.value, node.value)
            if common:
                view.kw[keyword] = Node(common, seen.file, seen.pointer)
                return
        if keyword == "additionalProperties" and False in (seen.value, node.value):
            view.kw[keyword] = seen if seen.value is False else node
            return
        if keyword == "uniqueItems":
            view.kw[keyword] = seen if seen.value is True else node
            return
        first, second = _short(seen.value), _short(node.value)
        message = f"allOf parts disagree on '{keyword}': {first} (at {seen.location}) vs {second}"
        self.diags.report(node.location, "E014", message)


def type_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [t for t in value if isinstance(t, str)]
    return []


def _intersect_types(a: Any, b: Any) -> list[str]:
    """Types both accept (an integer is a number)."""
    left, right = type_list(a), type_list(b)
    out = [t for t in left if t in right]
    if "number" in left and "integer" in right and "integer" not in out:
        out.append("integer")
    if "integer" in left and "number" in right and "integer" not in out:
        out.append("integer")
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
