"""One reader of JSON Schema for the runtime, the generator and bc-events-compat.

- ``dialects``: the drafts accepted and what each means by its keywords;
- ``walk``: which keys of a schema hold subschemas, and which hold data;
- ``pointer``: JSON pointers, decoded once;
- ``resolver``: where every ``$ref`` leads, as the validator resolves it;
- ``patterns``: ECMA-262 regular expressions made readable by the validator;
- ``valid``: what makes a valid topic schema.
"""

from __future__ import annotations

from bc_events.schema.dialects import DEFAULT, DIALECTS, Dialect, UnknownDialect, dialect_named, dialect_of
from bc_events.schema.pointer import Path, PointerError, format_pointer, parse_fragment, parse_pointer
from bc_events.schema.resolver import Reference, Resolver, Target, UnresolvableRef
from bc_events.schema.walk import Site, subschemas, walk

__all__ = [
    "DEFAULT",
    "DIALECTS",
    "Dialect",
    "Path",
    "PointerError",
    "Reference",
    "Resolver",
    "Site",
    "Target",
    "UnknownDialect",
    "UnresolvableRef",
    "dialect_named",
    "dialect_of",
    "format_pointer",
    "parse_fragment",
    "parse_pointer",
    "subschemas",
    "walk",
]
