"""Which JSON Schema draft a topic schema is read in (kept for existing imports: see ``bc_events.schema``).

``bc_events.schema.dialects`` is where drafts are decided; these names answer
with canonical ``$schema`` URIs, as they always have.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsonschema_rs

from bc_events.schema import dialects
from bc_events.schema.dialects import refuse_retrieval
from bc_events.schema.dialects import unknown_dialect_message as unknown_draft_message

DRAFT_7 = dialects.DRAFT7.uri
"""The draft of a schema without ``$schema``: the one topic files are written in."""

KNOWN_DRAFTS = tuple(dialect.uri for dialect in dialects.DIALECTS)
"""The canonical URI of each accepted draft; ``$schema`` may also use http/https and a trailing ``#``."""

__all__ = [
    "DRAFT_7",
    "KNOWN_DRAFTS",
    "draft_of",
    "refuse_retrieval",
    "schema_draft",
    "unknown_draft_message",
    "validator_class",
]


def draft_of(value: Any) -> str | None:
    """The canonical URI of the draft a ``$schema`` value names; None if it names no known draft."""
    dialect = dialects.dialect_named(value)
    return None if dialect is None else dialect.uri


def schema_draft(schema: Mapping[str, Any]) -> str:
    """The canonical URI of the draft ``schema`` is read in; ``ValueError`` for an unknown ``$schema``."""
    return dialects.dialect_of(schema).uri


def validator_class(schema: Mapping[str, Any]) -> type[jsonschema_rs.Validator]:
    """The jsonschema-rs validator of the draft ``schema`` is read in; ``ValueError`` if unknown."""
    return dialects.validator_class(dialects.dialect_of(schema))
