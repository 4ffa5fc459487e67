"""Which JSON Schema draft a topic schema is read in: draft 7 unless ``$schema`` says otherwise.

The one place this is decided, for the runtime's validators and the
generator's checks alike.  Only the drafts known without fetching anything are
accepted: a topic file never makes bc_events (or bc-events-gen) reach the network.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsonschema_rs

DRAFT_7 = "http://json-schema.org/draft-07/schema#"
"""The draft of a schema without ``$schema``: the one topic files are written in."""

KNOWN_DRAFTS = (
    "http://json-schema.org/draft-04/schema#",
    "http://json-schema.org/draft-06/schema#",
    DRAFT_7,
    "https://json-schema.org/draft/2019-09/schema",
    "https://json-schema.org/draft/2020-12/schema",
)
"""The canonical URI of each accepted draft; ``$schema`` may also use http/https and a trailing ``#``."""

_BY_SPELLING = {uri.split("://", 1)[1].rstrip("#"): uri for uri in KNOWN_DRAFTS}


def draft_of(value: Any) -> str | None:
    """The canonical URI of the draft a ``$schema`` value names; None if it names no known draft."""
    if not isinstance(value, str):
        return None
    scheme, _, rest = value.partition("://")
    if scheme not in ("http", "https"):
        return None
    return _BY_SPELLING.get(rest[:-1] if rest.endswith("#") else rest)


def schema_draft(schema: Mapping[str, Any]) -> str:
    """The canonical URI of the draft ``schema`` is read in; ``ValueError`` for an unknown ``$schema``."""
    if "$schema" not in schema:
        return DRAFT_7
    draft = draft_of(schema["$schema"])
    if draft is None:
        raise ValueError(unknown_draft_message(schema["$schema"]))
    return draft


def unknown_draft_message(value: Any) -> str:
    """What is wrong with a ``$schema`` that names no known draft."""
    return (
        f"unknown $schema {value!r}: only the drafts 4, 6, 7, 2019-09 and 2020-12 of json-schema.org "
        "are accepted (nothing is fetched)"
    )


_VALIDATORS: dict[str, type[jsonschema_rs.Validator]] = dict(
    zip(
        KNOWN_DRAFTS,
        (
            jsonschema_rs.Draft4Validator,
            jsonschema_rs.Draft6Validator,
            jsonschema_rs.Draft7Validator,
            jsonschema_rs.Draft201909Validator,
            jsonschema_rs.Draft202012Validator,
        ),
        strict=True,
    )
)


def validator_class(schema: Mapping[str, Any]) -> type[jsonschema_rs.Validator]:
    """The jsonschema-rs validator of the draft ``schema`` is read in; ``ValueError`` if unknown."""
    return _VALIDATORS[schema_draft(schema)]


def refuse_retrieval(uri: str) -> Any:
    """The retriever every validator gets: a reference outside the schema is an error, never a request."""
    raise ValueError(f"{uri} is outside the topic schema and is not fetched (topic schemas are hermetic)")
