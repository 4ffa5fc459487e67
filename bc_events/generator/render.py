"""Model -> pieces of source: imports and signatures computed here, placed by the macros.

Each declaration and each session member is rendered as its own piece
(``layout.Piece``), in topic-name order, from the views of ``views.py`` (type
expressions and literals); ``assemble`` turns the pieces into the formatted module.
"""

from __future__ import annotations

import ast
import functools
import keyword
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bc_events.generator.escaping import py_literal
from bc_events.generator.layout import LINE_LENGTH, Piece, bracketed
from bc_events.generator.model import ModuleSpec
from bc_events.generator.naming import MODULE_NAMES
from bc_events.generator.views import Expressions, ObjectView, TopicView, object_view, topic_view

if TYPE_CHECKING:
    import jinja2  # imported when first needed: a --check with nothing to do never loads it


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


def _macros(name: str) -> Any:
    """The macros of a template, callable from Python (each returns one piece's text)."""
    return _environment().get_template(name).module


@dataclass(frozen=True)
class RenderedModule:
    """A module as pieces: the head (imports, directives) is rendered last, knowing the rest."""

    body: list[Piece]
    head: Callable[[list[str]], Piece]
    """The head piece, given the header directives (``# ruff: noqa: ...``)."""
    rules: frozenset[str]
    """ruff rules the module cannot satisfy whatever its layout (directives name them)."""


def render_pieces(module: ModuleSpec) -> RenderedModule:
    """Every piece of the module, declarations and session members in topic-name order."""
    decls = _macros("macros.jinja")
    exprs = Expressions(module.forward)
    taken = MODULE_NAMES | {obj.name for obj in module.objects}
    # A payload TypedDict without a description of its own carries its topic's.
    topic_docs = {spec.data_name: spec.topic.description for spec in module.topics}
    objects = [object_view(obj, exprs, taken, topic_docs.get(obj.name, "")) for obj in module.objects]
    body = [
        Piece(
            "\n" if not index and obj.functional else "\n\n", str(decls.typed_dict(obj, _doc_assignment(obj)))
        )
        for index, obj in enumerate(objects)
    ]
    # An alias naming itself or a later alias (recursion: Expr = str | list[Expr]) is quoted:
    # its value is evaluated at import.
    for index, (name, node) in enumerate(module.aliases):
        expression = py_literal(exprs.expr(node)) if exprs.references_forward(node) else exprs.expr(node)
        before = "\n" if index else "\n\n" if objects else "\n"
        body.append(Piece(before, str(decls.alias(name, expression))))
    topics = [topic_view(spec) for spec in module.topics]
    body += _session_pieces(decls, module, topics)
    body += _frame_pieces(module)
    typing, extensions = _imports(exprs, topics, bool(objects), bool(module.aliases))

    def head(directives: list[str]) -> Piece:
        frame = _macros("events_module.py.jinja")
        text = frame.head(module, module.options, directives, typing, sorted(exprs.abc), extensions)
        return Piece("", str(text))

    # override (and deprecated) from typing_extensions: UP035 from py312 (typing has them from 3.12/3.13).
    rules = {"UP035"}
    if module.aliases:
        rules.add("UP040")  # ``X: TypeAlias = ...``: ``type X = ...`` needs Python 3.12
    if any(_functional_identifiers(obj) for obj in objects):
        rules.add("UP013")  # the keys shadow names the class body needs: class syntax cannot hold them
    return RenderedModule(body, head, frozenset(rules))


def _doc_assignment(obj: ObjectView) -> str:
    """``X.__doc__ = "..."``; black wraps the string in parentheses when that makes it fit."""
    line = f"{obj.name}.__doc__ = {obj.doc}"
    if len(line) > LINE_LENGTH and len(obj.doc) + 4 <= LINE_LENGTH:
        return f"{obj.name}.__doc__ = (\n    {obj.doc}\n)"
    return line


def _imports(
    exprs: Expressions, topics: list[TopicView], objects: bool, aliases: bool
) -> tuple[list[str], list[str]]:
    """Names imported from ``typing`` and from ``typing_extensions``, in isort's order.

    ``TypedDict`` comes from ``typing_extensions``: pydantic (and so FastAPI) refuses
    ``typing.TypedDict`` before Python 3.12.  ``NotRequired`` stays in ``typing``
    (there since 3.11: ruff's UP035 would move it).
    """
    used = set(exprs.used) | {"TYPE_CHECKING"}
    used |= {"TypeAlias"} if aliases else set()
    used |= {"Any", "Literal", "overload"} if len(topics) > 1 else {"Literal"} if topics else set()
    extensions = {"override"} | ({"deprecated"} if any(topic.deprecated for topic in topics) else set())
    extensions |= {"TypedDict"} if objects else set()
    return sorted(used - extensions, key=lambda name: (name != "TYPE_CHECKING", name)), sorted(extensions)


def _functional_identifiers(obj: ObjectView) -> bool:
    return obj.functional and all(_identifier_key(field.key) for field in obj.fields)


def _identifier_key(literal: str) -> bool:
    """Is the key written as ``literal`` an identifier and no keyword (a key UP013 would move)?"""
    key = ast.literal_eval(literal)
    return isinstance(key, str) and key.isidentifier() and not keyword.iskeyword(key)


def _session_pieces(decls: Any, module: ModuleSpec, topics: list[TopicView]) -> list[Piece]:
    pieces = [Piece("\n\n", str(decls.session_head(module.options)))]
    if len(topics) > 1:
        for index, topic in enumerate(topics):
            signature = bracketed("    ", "def publish(", _publish_parameters(topic), ") -> None: ...")
            text = str(decls.publish_overload(topic, signature))
            pieces.append(
                Piece("" if index else "\n", str(decls.overloads_comment()) + text if not index else text)
            )
        pieces.append(Piece("\n", str(decls.publish_implementation())))
    elif topics:
        # The comment after the opening bracket is black's to place: this piece always goes through black.
        parameters = "".join(f"        {item},\n" for item in _publish_parameters(topics[0]))
        ignore = "# pyright: ignore[reportIncompatibleMethodOverride]"
        signature = f"    def publish(  {ignore}\n{parameters}    ) -> None:"
        pieces.append(Piece("\n", str(decls.publish_single(topics[0], signature)), exact=False))
    for topic in topics:
        call = bracketed(
            "        ",
            "super().publish(",
            [f"action={topic.action}", f"entity={topic.entity}", "data=data", f"category={topic.category}"],
            ")",
        )
        pieces.append(Piece("\n", str(decls.topic_method(topic, topic.method, call))))
        if topic.alias and topic.deprecated:
            # An alias assignment would itself be a use of the deprecated method: a method of its own.
            pieces.append(Piece("\n", str(decls.topic_method(topic, topic.alias, call))))
        elif topic.alias:
            pieces.append(Piece("\n", str(decls.method_alias(topic))))
    return pieces


def _publish_parameters(topic: TopicView) -> list[str]:
    category = (
        f"category: Literal[{topic.category}] | None = None"
        if topic.default_category
        else f"category: Literal[{topic.category}]"
    )
    return [
        "self",
        "*",
        f"action: Literal[{topic.action}]",
        f"entity: Literal[{topic.entity}]",
        f"data: {topic.data}",
        category,
    ]


_FACTORIES = (
    (
        "user_session",
        ["user_id: str", "job_id: str"],
        "A typed session whose events are attributed to the user ``user_id``.",
    ),
    ("service_session", ["job_id: str"], "A typed session whose events are attributed to this service."),
    (
        "third_party_session",
        ["job_id: str"],
        "A typed session for events published on behalf of a third party.",
    ),
)


def _frame_pieces(module: ModuleSpec) -> list[Piece]:
    frame = _macros("events_module.py.jinja")
    options = module.options
    factories = [
        (
            bracketed(
                "        ",
                f"def {name}(",
                ["self", *parameters, "*", "publish_immediately: bool = False"],
                f") -> {options.session_class}:",
            ).rstrip("\n"),
            f'"""{doc}"""',
        )
        for name, parameters, doc in _FACTORIES
    ]
    literals = [py_literal(piece) for piece in module.embedded]
    # Literals short enough to share a line are black's to join; long ones it leaves one per line.
    definitions = Piece("\n\n", str(frame.definitions(literals)), exact=len(" ".join(literals)) > 80)
    names = [py_literal(name) for name in _public_names(module)]
    return [
        Piece("\n\n", str(frame.client(options, factories))),
        Piece("\n\n", str(frame.current_session(options))),
        definitions,
        Piece("\n", bracketed("", "__all__ = [", names, "]", collection=True)),
    ]


def _public_names(module: ModuleSpec) -> list[str]:
    """What ``from events_gen import *`` gives: the client, the session, every declared type and
    ``current_session``."""
    names = {module.options.client_class, module.options.session_class, "current_session"}
    names |= {obj.name for obj in module.objects} | {name for name, _ in module.aliases}
    return sorted(names)
