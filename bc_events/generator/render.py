"""Model -> source text: type expressions and literals computed here, laid out by a thin template.

Everything that comes from the YAML and lands in code (descriptions, keys,
enum values, the embedded definitions) goes through ``py_literal``; names are
identifiers the model checked.  The template only places the strings; black
then formats the result (as a library call, so it can never be skipped).
"""

from __future__ import annotations

import concurrent.futures
import functools
import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import black
    import jinja2

from bc_events.generator.model import LiteralValue, ModuleSpec, ObjectType, TopicSpec, TypeNode
from bc_events.generator.naming import MODULE_NAMES, is_plain_identifier


@functools.cache
def black_mode() -> black.Mode:
    """black's defaults (line length 88): what ``black`` on the generated file also uses.

    black and Jinja2 are imported when first needed (about 100 ms): a ``--check`` that
    finds nothing to do never needs them.
    """
    import black

    return black.Mode(target_versions={black.TargetVersion.PY311})


def py_literal(value: str | LiteralValue | None) -> str:
    """The one escaping function: a Python literal that evaluates to exactly ``value``.

    Built on ``repr``, which always gives valid source: quotes, backslashes,
    newlines and unprintable characters are escaped, so no text from the YAML can
    end a string, a docstring or a line early.  Strings get the quotes black would
    choose (double unless that needs more escapes), so black never rewrites them.
    """
    if value is None or isinstance(value, (bool, int)):
        return repr(value)
    if not isinstance(value, str):
        raise TypeError(f"no literal for {type(value).__name__}")
    single = repr(value)
    if single[0] == '"' or value.count('"') > value.count("'"):
        return single  # double quotes would need more escapes: black keeps these
    # Every ' in the body of a single-quoted repr is escaped and no " is: swap the two.
    return '"' + single[1:-1].replace("\\'", "'").replace('"', '\\"') + '"'


@dataclass
class _Expressions:
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


def _object_view(obj: ObjectType, exprs: _Expressions, taken: frozenset[str], topic_doc: str) -> ObjectView:
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


def _topic_view(spec: TopicSpec) -> TopicView:
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


@functools.cache
def _environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("bc_events", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # Python source, not HTML: escaping is py_literal's job
    )


def render_module(module: ModuleSpec) -> str:
    """The formatted source of the generated module."""
    exprs = _Expressions(module.forward)
    taken = MODULE_NAMES | {obj.name for obj in module.objects}
    # A payload TypedDict without a description of its own carries its topic's.
    topic_docs = {spec.data_name: spec.topic.description for spec in module.topics}
    objects = [_object_view(obj, exprs, taken, topic_docs.get(obj.name, "")) for obj in module.objects]
    # An alias naming itself or a later alias (recursion: Expr = str | list[Expr]) is quoted:
    # its value is evaluated at import.
    aliases = [
        (name, py_literal(exprs.expr(node)) if exprs.references_forward(node) else exprs.expr(node))
        for name, node in module.aliases
    ]
    topics = [_topic_view(spec) for spec in module.topics]
    pieces = [py_literal(piece) for piece in module.embedded]
    used = set(exprs.used) | {"TYPE_CHECKING"}
    used |= {"TypedDict"} if objects else set()
    used |= {"TypeAlias"} if aliases else set()
    used |= {"Any", "Literal", "overload"} if len(topics) > 1 else {"Literal"} if topics else set()
    extensions = ["deprecated", "override"] if any(topic.deprecated for topic in topics) else ["override"]
    text = (
        _environment()
        .get_template("events_module.py.jinja")
        .render(
            module=module,
            options=module.options,
            typing_imports=sorted(used, key=lambda name: (name != "TYPE_CHECKING", name)),
            abc_imports=sorted(exprs.abc),
            extension_imports=extensions,
            objects=objects,
            aliases=aliases,
            topics=topics,
            embedded=[_placeholder(piece) for piece in pieces],
            first_is_assignment=objects[0].functional if objects else bool(aliases),
            public_names=[py_literal(name) for name in _public_names(module)],
        )
    )
    return _put_back(_black(text), pieces)


def _public_names(module: ModuleSpec) -> list[str]:
    """What ``from events_gen import *`` gives: the client, the session, every declared type and
    ``current_session``."""
    names = {module.options.client_class, module.options.session_class, "current_session"}
    names |= {obj.name for obj in module.objects} | {name for name, _ in module.aliases}
    return sorted(names)


def _black(text: str) -> str:
    """``black.format_str`` over the module, in independent pieces, in parallel when it is big.

    black is slow (about a millisecond per line here) and superlinear in its input.
    Top-level declarations are separated by two blank lines and black formats
    them independently, so each is formatted on its own; a long class is cut
    before each member, and each member is formatted inside a stand-in
    ``class _:`` header, so it keeps its indentation and line budget.  The
    separators between pieces are kept as rendered (the template writes
    black's blank lines).  The black no-op tests check the whole file.
    """
    pieces = _split_for_black(text)
    sources = [source for _, source in pieces]
    if len(text) > _PARALLEL_FROM and (os.cpu_count() or 1) > 1:
        with concurrent.futures.ProcessPoolExecutor() as pool:
            formatted = list(pool.map(_format_piece, sources, chunksize=max(1, len(sources) // 32)))
    else:
        formatted = [_format_piece(source) for source in sources]
    return "".join(separator + body for (separator, _), body in zip(pieces, formatted, strict=True))


_PARALLEL_FROM = 300_000
"""Characters of source from which formatting in worker processes pays for starting them."""
_MEMBER = re.compile(r"^    (?:@|def |[A-Za-z_]\w* = )")
_STAND_IN = "class _:\n"


def _format_piece(source: str) -> str:
    import black

    if source.startswith("    "):
        return black.format_str(_STAND_IN + source, mode=black_mode())[len(_STAND_IN) :]
    return black.format_str(source, mode=black_mode())


def _split_for_black(text: str) -> list[tuple[str, str]]:
    """``(separator, source)`` pieces whose concatenation is ``text``."""
    pieces: list[tuple[str, str]] = []
    # Two or more blank lines end a top-level declaration; black keeps exactly two there.
    for index, chunk in enumerate(re.split(r"\n{3,}", text.rstrip("\n"))):
        separator = "\n\n" if index else ""
        lines = chunk.split("\n")
        start = 0
        for number in range(1, len(lines)):
            before = lines[number - 1].strip()
            if (
                _MEMBER.match(lines[number])
                and not before.startswith(("@", "#"))
                and lines[0].startswith("class ")
            ):
                pieces.append((separator, "\n".join(lines[start:number]).rstrip("\n") + "\n"))
                separator = "\n" if before == "" else ""
                start = number
        pieces.append((separator, "\n".join(lines[start:]).rstrip("\n") + "\n"))
    return pieces


_PLACEHOLDER_WIDTH = 100
"""Wider than black's 88 columns: a line holding a placeholder is too long, as the literal's is."""
_PLACEHOLDER = '"' + "_" * (_PLACEHOLDER_WIDTH - 2) + '"'


def _placeholder(literal: str) -> str:
    return _PLACEHOLDER if len(literal) > _PLACEHOLDER_WIDTH else literal


def _put_back(text: str, pieces: list[str]) -> str:
    """Replace the placeholders of the embedded definitions by the real literals, in order.

    black spends seconds measuring and re-checking megabytes of embedded JSON that it
    would leave unchanged (it never splits strings, and ``repr`` already picks the
    quotes black keeps).  So each literal too long for a line is formatted as a
    placeholder that is too long as well: black lays both out the same way, one piece
    per line.  The black no-op tests check the real file.
    """
    head, marker, tail = text.partition("_TOPIC_DEFINITIONS = ")
    queue = iter([piece for piece in pieces if len(piece) > _PLACEHOLDER_WIDTH])
    tail = re.sub(_PLACEHOLDER, lambda match: next(queue), tail)
    if next(queue, None) is not None:
        raise AssertionError("black changed the embedded definitions")
    return head + marker + tail
