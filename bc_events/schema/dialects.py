"""The JSON Schema drafts a topic schema may be written in, and what each one means by its keywords.

Draft 7 unless ``$schema`` says otherwise; only the drafts known without
fetching anything are accepted (a topic file never makes bc_events reach the
network).  ``$schema`` is the dialect keyword only where a schema stands (the
root, or the root of an embedded resource): a property *named* ``$schema`` is
data, which is ``walk``'s business.

Every question that depends on the draft is asked of a ``Dialect``: which
keyword names a base URI (``id`` or ``$id``), whether the siblings of ``$ref``
apply, which keywords exist and which of them hold subschemas.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

_COMMON = frozenset(
    {
        "type", "enum", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
        "maxLength", "minLength", "pattern", "items", "maxItems", "minItems", "uniqueItems",
        "maxProperties", "minProperties", "required", "additionalProperties", "properties",
        "patternProperties", "allOf", "anyOf", "oneOf", "not", "$ref", "format",
    }
)  # fmt: skip
_SINCE_6 = frozenset({"const", "contains", "propertyNames"})
_SINCE_7 = frozenset({"if", "then", "else"})
_SINCE_2019 = frozenset(
    {"dependentRequired", "dependentSchemas", "unevaluatedItems", "unevaluatedProperties", "maxContains",
     "minContains"}
)  # fmt: skip


@dataclass(frozen=True)
class Dialect:
    """One draft of JSON Schema: its canonical URI and the answers to every draft-dependent question."""

    uri: str
    """Canonical ``$schema`` URI, e.g. ``http://json-schema.org/draft-07/schema#``."""
    name: str
    """Short name for messages: ``draft-04``, ``draft-07``, ``2019-09``, ``2020-12``."""
    order: int
    """Position in time (4, 6, 7, 2019, 2020): ``dialect.order >= 2019`` reads as "2019-09 or later"."""
    keywords: frozenset[str]
    """The validation keywords (assertions and applicators) the draft defines."""

    @property
    def id_keyword(self) -> str:
        """``id`` in draft 4, ``$id`` since draft 6."""
        return "id" if self.order == 4 else "$id"

    @property
    def ref_siblings_apply(self) -> bool:
        """Whether keywords beside ``$ref`` are evaluated (2019-09 on); before, they are ignored."""
        return self.order >= 2019

    @property
    def fragment_ids_are_anchors(self) -> bool:
        """Whether ``$id: "#name"`` (draft 4: ``id``) names a location, as ``$anchor`` does later."""
        return self.order <= 7

    @property
    def anchor_keywords(self) -> tuple[str, ...]:
        """Keywords whose string value names a location a ``$ref: "#name"`` can reach."""
        return (
            () if self.order <= 7 else ("$anchor",) if self.order == 2019 else ("$anchor", "$dynamicAnchor")
        )

    @property
    def definitions_keywords(self) -> tuple[str, ...]:
        """Where reusable schemas are kept: ``definitions``, and ``$defs`` from 2019-09."""
        return ("definitions",) if self.order <= 7 else ("$defs", "definitions")

    @property
    def boolean_exclusive_bounds(self) -> bool:
        """Draft 4's ``exclusiveMinimum: true`` modifies ``minimum``; later drafts give the bound itself."""
        return self.order == 4

    @property
    def tuple_items(self) -> str:
        """The keyword of positional item schemas: ``items`` (a list) before 2020-12, then ``prefixItems``."""
        return "prefixItems" if self.order >= 2020 else "items"

    @property
    def rest_items(self) -> str:
        """The keyword of the items after the positional ones: ``additionalItems``, then ``items``."""
        return "items" if self.order >= 2020 else "additionalItems"

    def has(self, keyword: str) -> bool:
        """Whether ``keyword`` is a validation keyword of this draft."""
        return keyword in self.keywords

    def __str__(self) -> str:
        return self.name


DRAFT4 = Dialect(
    "http://json-schema.org/draft-04/schema#", "draft-04", 4, _COMMON | {"additionalItems", "dependencies"}
)
DRAFT6 = Dialect("http://json-schema.org/draft-06/schema#", "draft-06", 6, DRAFT4.keywords | _SINCE_6)
DRAFT7 = Dialect("http://json-schema.org/draft-07/schema#", "draft-07", 7, DRAFT6.keywords | _SINCE_7)
DRAFT2019 = Dialect(
    "https://json-schema.org/draft/2019-09/schema",
    "2019-09",
    2019,
    DRAFT7.keywords | _SINCE_2019 | {"$recursiveRef"},  # jsonschema-rs keeps draft 7's dependencies
)
DRAFT2020 = Dialect(
    "https://json-schema.org/draft/2020-12/schema",
    "2020-12",
    2020,
    (DRAFT2019.keywords - {"additionalItems", "$recursiveRef"}) | {"prefixItems", "$dynamicRef"},
)
DIALECTS = (DRAFT4, DRAFT6, DRAFT7, DRAFT2019, DRAFT2020)
EVERY_KEYWORD = frozenset().union(*(dialect.keywords for dialect in DIALECTS))
"""The keywords some draft defines: in a draft that does not, the validator ignores them."""
DEFAULT = DRAFT7
"""The draft of a schema without ``$schema``: the one topic files are written in."""

_BY_SPELLING = {dialect.uri.split("://", 1)[1].rstrip("#"): dialect for dialect in DIALECTS}


_META_SCHEMAS = frozenset(_BY_SPELLING)


def is_meta_schema(uri: str) -> bool:
    """Whether absolute ``uri`` names a draft's meta-schema, which validators know without fetching it."""
    scheme, _, rest = uri.partition("#")[0].partition("://")
    return scheme in ("http", "https") and rest in _META_SCHEMAS


class UnknownDialect(ValueError):
    """A ``$schema`` (in a schema position) that names no accepted draft."""


def dialect_named(value: Any) -> Dialect | None:
    """The draft a ``$schema`` value names (http or https, with or without ``#``); None if none."""
    if not isinstance(value, str):
        return None
    scheme, _, rest = value.partition("://")
    if scheme not in ("http", "https"):
        return None
    return _BY_SPELLING.get(rest[:-1] if rest.endswith("#") else rest)


def dialect_of(schema: Any, default: Dialect = DEFAULT) -> Dialect:
    """The draft ``schema`` (a schema node) declares, else ``default``; ``UnknownDialect`` if unknown."""
    if not isinstance(schema, Mapping) or "$schema" not in schema:
        return default
    dialect = dialect_named(schema["$schema"])
    if dialect is None:
        raise UnknownDialect(unknown_dialect_message(schema["$schema"]))
    return dialect


def unknown_dialect_message(value: Any) -> str:
    """What is wrong with a ``$schema`` that names no known draft."""
    return (
        f"unknown $schema {value!r}: only the drafts 4, 6, 7, 2019-09 and 2020-12 of json-schema.org "
        "are accepted (nothing is fetched)"
    )


_VALIDATORS: dict[int, type[jsonschema_rs.Validator]] = {
    4: jsonschema_rs.Draft4Validator,
    6: jsonschema_rs.Draft6Validator,
    7: jsonschema_rs.Draft7Validator,
    2019: jsonschema_rs.Draft201909Validator,
    2020: jsonschema_rs.Draft202012Validator,
}


def validator_class(dialect: Dialect) -> type[jsonschema_rs.Validator]:
    """The jsonschema-rs validator class of ``dialect``."""
    return _VALIDATORS[dialect.order]


def refuse_retrieval(uri: str) -> Any:
    """The retriever every validator gets: a reference outside the schema is an error, never a request."""
    raise ValueError(f"{uri} is outside the topic schema and is not fetched (topic schemas are hermetic)")
