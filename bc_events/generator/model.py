"""The model: what the generated module declares, names decided, before any text exists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bc_events.generator.naming import (
    MODULE_NAMES,
    NameTable,
    data_type_name,
    method_names,
    pascal_case,
    session_base_attributes,
    topic_prefix,
)
from bc_events.topics import Topic, TopicDefinitions

Kind = Literal[
    "any", "str", "int", "float", "bool", "none", "literal", "list", "dict", "union", "object", "named"
]
LiteralValue = str | int | bool

PRIMITIVES: tuple[Kind, ...] = ("any", "str", "int", "float", "bool", "none")


@dataclass(eq=False)
class Field:
    """One key of an object type; ``key`` is exactly the JSON key, never renamed."""

    key: str
    type: TypeNode
    required: bool
    description: str = ""


@dataclass(frozen=True)
class Hints:
    """Where a type was met: candidate names, best first, and what besides its structure identifies it.

    The identity keeps apart types of one shape that are different things: each
    topic's payload (``topic:PolicyCreated``), each definition (``def:Person``,
    ``def:PersonAddress`` inside it).  An inline object is identified by its path
    below a topic's root (``path:ChangesBody``): identical copies at the same
    path in several topics are one type, which every topic's own name aliases.
    """

    names: tuple[str, ...] = ()
    identity: str = ""

    @classmethod
    def topic(cls, prefix: str) -> Hints:
        return cls((prefix,), f"topic:{prefix}")

    @classmethod
    def definition(cls, name: str, prefix: str) -> Hints:
        return cls((name, prefix + name), f"def:{name}")

    def child(self, suffix: str) -> Hints:
        """The hints of a part: ``Item``, ``Value``, ``Option2``, ``Part1`` or a property's name."""
        kind, _, path = self.identity.partition(":")
        identity = f"path:{suffix}" if kind == "topic" else f"{kind}:{path}{suffix}"
        return Hints(tuple(name + suffix for name in self.names), identity)

    def __bool__(self) -> bool:
        return bool(self.names)


@dataclass(eq=False)
class ObjectType:
    """A JSON object with known properties: rendered as a TypedDict.

    Mutable only while a recursive definition is being converted (its fields are
    filled in once the definition is complete); ``name`` is decided by the model.
    """

    fields: tuple[Field, ...]
    description: str = ""
    closed: bool = False
    """``additionalProperties: false``: matters when allOf merges it."""
    hints: Hints = Hints()
    """Candidate names, best first, from where the type was first met (topics in name order)."""
    also: tuple[Hints, ...] = ()
    """Other topics' hints for this one type (identical inline objects at one path): their aliases."""
    name: str = ""
    pending: bool = False
    """A recursive definition's shell whose fields are not known yet."""

    def field_map(self) -> dict[str, Field]:
        return {item.key: item for item in self.fields}


@dataclass(eq=False)
class NamedAlias:
    """A definition declared as an alias: ``Currency: TypeAlias = Literal[...]``; named by the model.

    Enum and const definitions, and definitions that recur through a union
    (``Expr: TypeAlias = Leaf | And``, where ``And`` holds ``Sequence[Expr]``):
    their ``target`` is filled in once the definition is converted.
    """

    hints: Hints
    target: TypeNode | None = None
    name: str = ""


@dataclass(frozen=True, eq=False, slots=True)
class TypeNode:
    """A type expression; compare with ``is`` (nodes from one ``TypeTable`` are unique).

    ``named`` nodes stand for their definition's type under a name of their own.
    """

    kind: Kind
    args: tuple[TypeNode, ...] = ()
    values: tuple[LiteralValue, ...] = ()
    obj: ObjectType | None = None
    named: NamedAlias | None = None

    def unnamed(self) -> TypeNode:
        """The type itself, whether or not a definition names it (a pending one stays as it is)."""
        if self.named is not None and self.named.target is not None:
            return self.named.target
        return self

    def children(self) -> list[TypeNode]:
        """The types this one is made of: an object's fields, a named alias's target, or ``args``."""
        if self.obj is not None:
            return [item.type for item in self.obj.fields]
        if self.named is not None:
            return [self.named.target] if self.named.target is not None else []
        return list(self.args)


def value_kind(value: LiteralValue) -> Kind:
    """``bool``, ``int`` or ``str``: the kind of one literal value (bool before int: True is an int)."""
    if isinstance(value, bool):
        return "bool"
    return "int" if isinstance(value, int) else "str"


@dataclass(frozen=True)
class TopicSpec:
    """One topic as the module presents it: its payload type and method names."""

    topic: Topic
    data: TypeNode
    data_name: str
    methods: tuple[str, str]
    is_default_category: bool


@dataclass(frozen=True)
class ModuleSpec:
    """Everything the module template lays out, names already decided."""

    source_name: str
    source_sha256: str
    generator_version: str
    default_category: str
    options: Options
    topics: tuple[TopicSpec, ...]
    objects: tuple[ObjectType, ...]
    """Object types in declaration order (dependencies first)."""
    aliases: tuple[tuple[str, TypeNode], ...]
    """``(name, type)`` of payload types that are not a TypedDict of their own."""
    forward: frozenset[str]
    """Object types referenced before their declaration (only in recursion)."""
    embedded: tuple[str, ...]
    """The topic definitions as compact JSON: the opening, one piece per topic, the closing."""


@dataclass(frozen=True)
class Options:
    """What a user may choose about the generated module."""

    client_class: str = "EventClient"
    session_class: str = "EventSession"


# --- Deciding names and order -------------------------------------------------------------


def plan_module(
    definitions: TopicDefinitions, payloads: list[TypeNode], options: Options
) -> tuple[tuple[TopicSpec, ...], tuple[ObjectType, ...], tuple[tuple[str, TypeNode], ...], frozenset[str]]:
    """Name every topic, method and object type once, and order the declarations.

    Topic-derived names (payload types, methods) are claimed first and never
    renamed: two topics wanting the same one is an error naming both.  A topic's
    own root object is its payload type; a root that is a definition or a union
    gets a payload alias, so every definition keeps its own name.  Object types
    then take their first free hint (definition name, then topic-prefixed, then
    numbered), parents before children, topics in the order of their names (so
    reordering the file, or adding a topic, never renames a type; only a new
    topic bringing a different definition under a taken name can, when its name
    sorts first).
    """
    source, default = definitions.source, definitions.default_category
    reserved_types = MODULE_NAMES | {options.client_class, options.session_class}
    types = NameTable(source, reserved_types, "a name the generated module imports or defines")
    methods = NameTable(source, session_base_attributes(), "an attribute of bc_events.EventSession")
    specs = []
    for topic, payload in zip(definitions.topics, payloads, strict=True):
        data_name = data_type_name(topic, default)
        if payload.obj is not None and payload.obj.hints == Hints.topic(topic_prefix(topic, default)):
            payload.obj.name = data_name
        types.claim(data_name, topic, "payload type name")
        names = method_names(topic, default)
        for name in dict.fromkeys(names):
            methods.claim(name, topic, "method name")
        specs.append(TopicSpec(topic, payload, data_name, names, topic.category == default))
    aliases = [
        (spec.data_name, spec.data) for spec in specs if spec.data.obj is None or not spec.data.obj.name
    ]
    named, shared = _name_objects(
        [spec.data for spec in sorted(specs, key=lambda spec: spec.topic.name)], types
    )
    objects, forward = _declaration_order([spec.data for spec in specs])
    # Named enums and consts are declared after the classes: functional TypedDicts quote them.
    forward |= {name for name, _ in named}
    return tuple(specs), objects, tuple(named + shared + aliases), frozenset(forward)


def _name_objects(
    roots: list[TypeNode], types: NameTable
) -> tuple[list[tuple[str, TypeNode]], list[tuple[str, TypeNode]]]:
    """Parents before children, in topic order: the first free hint of each object type.

    Returns the named enum/const definitions (``Currency`` and its ``Literal``), and
    the aliases that give a shared inline object each other topic's own name
    (``IssuesEditedChangesBody = DiscussionEditedChangesBody``), where free.
    """
    named: list[tuple[str, TypeNode]] = []
    shared: list[tuple[str, TypeNode]] = []
    seen: set[int] = set()
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.named is not None:
            node.named.name = types.free([pascal_case(hint) for hint in node.named.hints.names])
            named.append((node.named.name, node.unnamed()))
        if node.obj is not None and not node.obj.name:
            node.obj.name = types.free([pascal_case(hint) for hint in node.obj.hints.names] or ["Object"])
            shared += [(pascal_case(other.names[0]), node) for other in node.obj.also]
        stack.extend(reversed(node.children()))
    aliases: list[tuple[str, TypeNode]] = []
    for name, node in shared:  # after every object is named: an alias never takes a type's name
        if name not in types.owners and name not in types.reserved:
            types.owners[name] = None
            aliases.append((name, node))
    return named, aliases


def _declaration_order(roots: list[TypeNode]) -> tuple[tuple[ObjectType, ...], frozenset[str]]:
    """Object types, dependencies first; names used before their declaration (only in cycles)."""
    order: list[ObjectType] = []
    done: set[int] = set()
    forward: set[str] = set()
    # Iterative post-order (schemas can nest deeper than Python's recursion limit allows).
    stack: list[tuple[TypeNode, bool]] = [(root, False) for root in reversed(roots)]
    active: set[int] = set()
    while stack:
        node, expanded = stack.pop()
        key = id(node)
        if expanded:
            active.discard(key)
            if node.obj is not None:
                order.append(node.obj)
            continue
        if key in done:
            if key in active and node.obj is not None:
                forward.add(node.obj.name)
            continue
        done.add(key)
        active.add(key)
        stack.append((node, True))
        children = node.children()
        stack.extend((child, False) for child in reversed(children))
    return tuple(order), frozenset(forward)
