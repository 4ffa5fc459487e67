"""What makes a valid topic schema, decided once, where topics are loaded.

A topic's ``Schema`` is valid when

1. it is JSON (no YAML date, no NaN); every ``$schema`` in a schema position
   names an accepted draft (a property *named* ``$schema`` is data, and is not
   looked at), and every ``$ref`` leads to a place in the schema (``resolver``;
   nothing is fetched);
2. it admits JSON objects, since event data always is one: a root ``type``
   (or that of a schema the root ``$ref`` s or ``allOf`` s) without ``object``
   refuses every payload;
3. jsonschema-rs compiles it, in its draft, with its ECMA-262 patterns read as
   JavaScript validators read them (``patterns``) and nothing fetched.

``compile_topic_schema`` checks all three and returns the compiled validator;
the runtime, the generator and compat all get their validators from it.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

from bc_events.schema.dialects import (
    DEFAULT,
    Dialect,
    dialect_named,
    is_meta_schema,
    refuse_retrieval,
    unknown_dialect_message,
    validator_class,
)
from bc_events.schema.patterns import translate_schema
from bc_events.schema.pointer import Path, format_pointer, replaced
from bc_events.schema.resolver import DEFAULT_BASE, Resolver, UnresolvableRef
from bc_events.schema.uris import join_uri
from bc_events.schema.walk import Site, walk

_HERMETIC = " (topic schemas are hermetic)"


class InvalidTopicSchema(ValueError):
    """Why a schema cannot be a topic's, and where in it (``path``: keys from the ``Schema``)."""

    def __init__(self, problem: str, path: Path = ()) -> None:
        super().__init__(problem)
        self.path = path


_JSON_SCALARS = (str, int, float, bool, type(None))
_PLAIN_JSON = frozenset(_JSON_SCALARS)


def check_json(schema: Any) -> None:
    """``InvalidTopicSchema`` at the first value JSON cannot hold (a YAML date, a NaN); no recursion."""
    stack: list[Any] = [schema]
    while stack:  # the quick pass: no paths kept
        value = stack.pop()
        kind = type(value)
        if kind is dict:
            stack.extend(value.values())
        elif kind is list:
            stack.extend(value)
        elif kind not in _PLAIN_JSON or (kind is float and not math.isfinite(value)):
            _locate_non_json(schema)


def _locate_non_json(schema: Any) -> None:
    """The slow pass, once something is wrong: find the first such value, and where it is."""
    stack: list[tuple[Path, Any]] = [((), schema)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, Mapping):
            stack.extend(((*path, str(key)), item) for key, item in reversed(list(value.items())))
        elif isinstance(value, list):
            stack.extend(((*path, str(index)), item) for index, item in reversed(list(enumerate(value))))
        elif not isinstance(value, _JSON_SCALARS) or (isinstance(value, float) and not math.isfinite(value)):
            where = f"Schema{format_pointer(path)}: " if path else ""
            problem = f"{value!r} ({type(value).__name__}; quote it in the YAML)"
            raise InvalidTopicSchema(f"{where}JSON cannot hold {problem}", path)


def check_dialects(schema: Any, sites: Iterable[Site] | None = None) -> Dialect:
    """The draft of ``schema``; ``InvalidTopicSchema`` at the first unknown ``$schema`` of a schema."""
    for site in walk(schema) if sites is None else sites:
        node = site.node
        if isinstance(node, Mapping) and "$schema" in node and dialect_named(node["$schema"]) is None:
            raise InvalidTopicSchema(unknown_dialect_message(node["$schema"]), (*site.path, "$schema"))
    return dialect_named(schema.get("$schema")) or DEFAULT if isinstance(schema, Mapping) else DEFAULT


def check_references(resolver: Resolver) -> None:
    """``InvalidTopicSchema`` at the first ``$ref`` that leads nowhere in the schema (or out of it)."""
    for reference in resolver.references():
        if reference.keyword != "$ref":
            continue  # dynamic references land where the validator's scope says: it checks them
        absolute = join_uri(resolver.base_at(reference.path), reference.value)
        if is_meta_schema(absolute):
            continue
        try:
            resolver.resolve(reference.value, reference.path)
        except UnresolvableRef as error:
            where = f"Schema{format_pointer(reference.path)}: " if reference.path else ""
            if error.outside:
                named = reference.value if absolute.startswith(DEFAULT_BASE) else absolute
                problem = f"{named} is outside the topic schema and is not fetched" + _HERMETIC
            else:
                problem = "it leads to no place in the topic's schema"
            raise InvalidTopicSchema(
                f"{where}unknown $ref {reference.value!r}: {problem}", (*reference.path, "$ref")
            ) from None


def check_admits_objects(resolver: Resolver) -> None:
    """``InvalidTopicSchema`` if a ``type`` that applies to the whole payload excludes ``object``."""
    schema, dialect = resolver.root, resolver.dialect
    pending: list[Path] = [()]
    seen: set[Path] = set()
    while pending:
        path = pending.pop()
        node: Any = schema
        for token in path:
            node = node[int(token)] if isinstance(node, list) else node[token]
        if path in seen or not isinstance(node, Mapping):
            continue
        seen.add(path)
        if isinstance(node.get("$ref"), str):
            with contextlib.suppress(UnresolvableRef):  # the compiler names it, in its own words
                pending.append(resolver.resolve(node["$ref"], path).path)
            if not dialect.ref_siblings_apply:
                continue  # before 2019-09, what stands beside $ref is ignored
        declared = node.get("type", "object")
        if "object" not in (declared if isinstance(declared, list) else [declared]):
            raise InvalidTopicSchema(
                f"Schema type must be object (data is a mapping), got {declared!r}", (*path, "type")
            )
        members = node.get("allOf")
        if isinstance(members, list):
            pending.extend((*path, "allOf", str(index)) for index in range(len(members)))


def as_validated(schema: Any, dialect: Dialect, resolver: Resolver | None = None) -> Any:
    """``schema`` as the validator is given it, so that it means what ``bc_events.schema`` reads.

    ECMA-262 patterns in their strict spelling (``patterns``), and ``$ref: ""``
    written ``"#"``: both name the enclosing resource, but jsonschema-rs would
    accept anything for the empty reference.  ``resolver``: ``schema`` 's, if made.
    """
    resolver = resolver or Resolver(schema, dialect)
    validated = schema
    for reference in resolver.references():
        if reference.keyword == "$ref" and reference.value == "":
            validated = replaced(validated, (*reference.path, "$ref"), "#")
    if validated is schema:
        return translate_schema(schema, dialect, resolver.schemas())
    return translate_schema(validated, dialect)


@dataclass(frozen=True)
class CheckedSchema:
    """A valid topic schema's compiled validator, and its references as read once (``Resolver``)."""

    validator: jsonschema_rs.Validator
    resolver: Resolver


def check_topic_schema(schema: Mapping[str, Any]) -> CheckedSchema:
    """``schema`` checked as a topic's; ``InvalidTopicSchema`` saying why and where if it is not valid.

    ``format`` is an annotation, not an assertion, and nothing outside the
    schema is fetched (a remote ``$ref`` is a problem).
    """
    check_json(schema)
    dialect = dialect_named(schema.get("$schema")) or DEFAULT
    resolver = Resolver(schema, dialect)  # one walk, for every check below
    check_dialects(schema, resolver.schemas())
    check_references(resolver)
    check_admits_objects(resolver)
    try:
        validator = validator_class(dialect)(
            as_validated(schema, dialect, resolver), validate_formats=False, retriever=refuse_retrieval
        )
    except (jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError, ValueError) as error:
        problem = str(error).splitlines()[0]
        path = tuple(str(step) for step in getattr(error, "instance_path", ()))
        raise InvalidTopicSchema(f"Schema is not a valid JSON Schema: {problem}", path) from None
    return CheckedSchema(validator, resolver)


def compile_topic_schema(schema: Mapping[str, Any]) -> jsonschema_rs.Validator:
    """``check_topic_schema(schema).validator``."""
    return check_topic_schema(schema).validator
