"""Model -> views: the type expressions, literals and docstrings each declaration needs, computed once.

Everything that comes from the YAML and lands in code goes through ``py_literal``;
names are identifiers the model checked.  The macros only place these strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bc_events.generator.escaping import py_literal
from bc_events.generator.model import ObjectType, TopicSpec, TypeNode
from bc_events.generator.naming import is_plain_identifier


@dataclass
class Expressions:
    """Type expressions of nodes (memoized: nodes are shared) and the typing names they use."""

    forward: frozenset[str]
    used: set[str] = field(default_factory=set)
    abc: set[str] = field(default_factory=set)
    """Names used from ``collections.abc``."""
    _cache: dict[int, str] = field(default_factory=dict)

    def expr(self, node: TypeNode) -> str:
        text = self._cache.get(id(node))
        if text is None:
            text = self._cache[id(node)] = self._build(node)
        return text

    def _build(self, node: TypeNode) -> str:
        kind = node.kind
        if kind == "any":
            self.used.add("Any")
            return "Any"
        if kind == "none":
            return "None"
        if kind in ("str", "int", "float", "bool"):
            return kind
        if kind == "literal":
            self.used.add("Literal")
            return f"Literal[{', '.join(py_literal(value) for value in node.values)}]"
        # Payloads are inputs: read-only protocols accept a list[Temperature] where
        # Sequence[Temperature | Humidity] is expected (list and dict are invariant).
        # Except where a str is itself a Sequence of the items (str or Any items):
        # there list[...] keeps a string in place of a list a type error.
        if kind == "list" and _accepts_str(node.args[0]):
            return f"list[{self.expr(node.args[0])}]"
        if kind == "list":
            self.abc.add("Sequence")
            return f"Sequence[{self.expr(node.args[0])}]"
        if kind == "dict":
            self.abc.add("Mapping")
            return f"Mapping[str, {self.expr(node.args[0])}]"
        if kind == "union":
            return " | ".join(self.expr(arg) for arg in node.args)
        if node.named is not None:
            return node.named.name
        assert node.obj is not None
        return node.obj.name

    def references_forward(self, node: TypeNode) -> bool:
        """Does the expression name a type declared further down (only possible in recursion)?"""
        if node.obj is not None:
            return node.obj.name in self.forward
        if node.named is not None:
            return node.named.name in self.forward
        return any(self.references_forward(arg) for arg in node.args)


def _accepts_str(node: TypeNode) -> bool:
    """Is every ``str`` a value of ``node`` (so every ``str`` is a ``Sequence`` of it)?"""
    if node.kind == "named":
        return node.unnamed() is not node and _accepts_str(node.unnamed())
    if node.kind == "union":
        return any(_accepts_str(member) for member in node.args)
    return node.kind in ("any", "str")


@dataclass(frozen=True)
class FieldView:
    key: str
    """An identifier (class syntax) or a string literal (functional syntax)."""
    type: str
    doc: str


@dataclass(frozen=True)
class ObjectView:
    name: str
    doc: str
    functional: bool
    fields: list[FieldView]


@dataclass(frozen=True)
class TopicView:
    method: str
    alias: str
    data: str
    doc: str
    action: str
    entity: str
    category: str
    default_category: bool
    deprecated: str
    """The message of ``@deprecated(...)`` for a topic whose schema says ``deprecated: true``, or ""."""


def object_view(obj: ObjectType, exprs: Expressions, taken: frozenset[str], topic_doc: str) -> ObjectView:
    # Class syntax keeps field docstrings; keys that are not plain identifiers, or that
    # would shadow a name the class body uses, need the functional syntax.
    functional = not all(is_plain_identifier(item.key) and item.key not in taken for item in obj.fields)
    fields = []
    for item in obj.fields:
        expression = exprs.expr(item.type)
        if not item.required:
            exprs.used.add("NotRequired")
            expression = f"NotRequired[{expression}]"
        if functional and exprs.references_forward(item.type):
            expression = py_literal(expression)  # evaluated at import: quote names declared later
        key = py_literal(item.key) if functional else item.key
        fields.append(FieldView(key, expression, py_literal(item.description) if item.description else ""))
    description = obj.description or topic_doc
    doc = py_literal(description) if description else ""
    return ObjectView(obj.name, doc, functional, fields)


def topic_view(spec: TopicSpec) -> TopicView:
    topic = spec.topic
    summary = f"Publish {topic.name}: {topic.description}" if topic.description else f"Publish {topic.name}."
    method, alias = spec.methods
    return TopicView(
        method=method,
        alias=alias if alias != method else "",
        data=spec.data_name,
        doc=py_literal(summary),
        action=py_literal(topic.action),
        entity=py_literal(topic.entity),
        category=py_literal(topic.category),
        default_category=spec.is_default_category,
        deprecated=py_literal(f"topic {topic.name} is deprecated")
        if topic.schema.get("deprecated") is True
        else "",
    )
