"""Synthetic topic-definition files of any size, for measuring how generation time scales.

    python benchmarks/synthetic_topics.py 1000 > topics-1000.yaml

Topics look like a line-of-business service's: small and medium object schemas
(5 to 23 properties) with formats, enums, nullable fields, arrays of strings
and of objects, string maps, inline nested objects, and ``$ref`` to a dozen
shared definitions (Person, Money, Address, ...) that each topic carries its own
copy of, as real topic files do.  Some inline shapes repeat across topics too.
The same ``count`` and ``seed`` always give the same file.
"""

from __future__ import annotations

import random
import sys
from typing import Any

import yaml

DEFAULT_CATEGORY = "synthetic"

# fmt: off
ENTITY_WORDS = (
    "Account", "Agent", "Applicant", "Asset", "Batch", "Billing", "Broker", "Claim", "Client",
    "Contract", "Coverage", "Customer", "Deductible", "Document", "Driver", "Endorsement",
    "Estimate", "Exposure", "Fee", "Household", "Invoice", "Item", "Journal", "Ledger", "Lien",
    "Loss", "Member", "Note", "Payment", "Payee", "Peril", "Plan", "Policy", "Premium", "Property",
    "Quote", "Rate", "Receipt", "Reserve", "Risk", "Schedule", "Statement", "Subrogation", "Task",
    "Territory", "Underwriter", "Vehicle", "Vendor",
)
ACTIONS = (
    "Created", "Updated", "Deleted", "Archived", "Restored", "Approved", "Rejected", "Submitted",
    "Cancelled", "Renewed", "Assigned", "Closed", "Reopened", "Expired", "Paid", "Issued",
)
# fmt: on

STATUS_SETS = (
    ["draft", "active", "closed"],
    ["pending", "approved", "rejected", "withdrawn"],
    ["open", "in_progress", "on-hold", "done"],
    ["new", "quoted", "bound", "issued", "cancelled", "expired"],
)

_STR: dict[str, Any] = {"type": "string"}
_NULLABLE_STR: dict[str, Any] = {"type": ["string", "null"]}
_DATE_TIME: dict[str, Any] = {"type": "string", "format": "date-time"}

DEFINITIONS: dict[str, dict[str, Any]] = {
    "Money": {
        "type": "object",
        "required": ["amount", "currency"],
        "properties": {
            "amount": {"type": "number"},
            "currency": {"type": "string", "enum": ["USD", "EUR", "GBP", "CAD"]},
        },
        "additionalProperties": False,
    },
    "Address": {
        "type": "object",
        "required": ["line1", "city", "postal_code", "country"],
        "properties": {
            "line1": _STR,
            "line2": _NULLABLE_STR,
            "city": _STR,
            "region": _NULLABLE_STR,
            "postal_code": _STR,
            "country": {"type": "string", "minLength": 2, "maxLength": 2},
        },
        "additionalProperties": False,
    },
    "Contact": {
        "type": "object",
        "required": ["kind", "value"],
        "properties": {
            "kind": {"type": "string", "enum": ["email", "phone", "fax"]},
            "value": _STR,
            "primary": {"type": "boolean", "default": False},
        },
        "additionalProperties": False,
    },
    "Person": {
        "type": "object",
        "required": ["id", "name", "contacts"],
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "name": _STR,
            "date_of_birth": {"type": ["string", "null"], "format": "date"},
            "address": {"oneOf": [{"$ref": "#/definitions/Address"}, {"type": "null"}]},
            "contacts": {"type": "array", "items": {"$ref": "#/definitions/Contact"}},
        },
        "additionalProperties": False,
    },
    "AuditStamp": {
        "type": "object",
        "required": ["at", "by"],
        "properties": {"at": _DATE_TIME, "by": {"$ref": "#/definitions/Person"}, "reason": _NULLABLE_STR},
        "additionalProperties": False,
    },
    "Period": {
        "type": "object",
        "required": ["start"],
        "properties": {"start": {"type": "string", "format": "date"}, "end": {"type": ["string", "null"]}},
        "additionalProperties": False,
    },
    "Attachment": {
        "type": "object",
        "required": ["id", "url", "content_type", "size"],
        "properties": {
            "id": _STR,
            "url": {"type": "string", "format": "uri"},
            "content_type": _STR,
            "size": {"type": "integer", "minimum": 0},
        },
        "additionalProperties": False,
    },
    "Vehicle": {
        "type": "object",
        "required": ["vin", "year"],
        "properties": {
            "vin": {"type": "string", "pattern": "^[A-HJ-NPR-Z0-9]{17}$"},
            "year": {"type": "integer"},
            "make": _STR,
            "model": _STR,
            "garaging_address": {"$ref": "#/definitions/Address"},
        },
        "additionalProperties": False,
    },
    "Coverage": {
        "type": "object",
        "required": ["code", "limit"],
        "properties": {
            "code": _STR,
            "limit": {"$ref": "#/definitions/Money"},
            "deductible": {"oneOf": [{"$ref": "#/definitions/Money"}, {"type": "null"}]},
            "period": {"$ref": "#/definitions/Period"},
        },
        "additionalProperties": False,
    },
    "Tag": {
        "type": "object",
        "required": ["key"],
        "properties": {"key": _STR, "value": {"type": ["string", "integer", "boolean", "null"]}},
        "additionalProperties": False,
    },
}


def _property_pool(rng: random.Random, entity: str) -> list[tuple[str, dict[str, Any]]]:
    """Candidate properties of a topic's payload; each topic takes a random subset."""
    status = rng.choice(STATUS_SETS)
    ref = rng.choice(sorted(DEFINITIONS))
    line_item = {
        "type": "object",
        "required": ["sku", "quantity"],
        "properties": {
            "sku": _STR,
            "quantity": {"type": "integer"},
            "unit_price": {"$ref": "#/definitions/Money"},
            "description": _NULLABLE_STR,
        },
        "additionalProperties": False,
    }
    pool: list[tuple[str, dict[str, Any]]] = [
        ("status", {"type": "string", "enum": status}),
        ("previous_status", {"type": ["string", "null"], "enum": [*status, None]}),
        ("created_at", _DATE_TIME),
        ("updated_at", {"type": ["string", "null"], "format": "date-time"}),
        ("reference_number", {"type": "string", "pattern": "^[A-Z]{3}-[0-9]+$"}),
        ("version", {"type": "integer", "minimum": 1}),
        ("score", {"type": "number"}),
        ("is_test", {"type": "boolean"}),
        ("notes", {"type": "array", "items": _STR}),
        ("labels", {"type": "object", "additionalProperties": _STR}),
        ("total", {"$ref": "#/definitions/Money"}),
        ("owner", {"$ref": "#/definitions/Person"}),
        ("audit", {"$ref": "#/definitions/AuditStamp"}),
        ("period", {"$ref": "#/definitions/Period"}),
        ("attachments", {"type": "array", "items": {"$ref": "#/definitions/Attachment"}}),
        ("tags", {"type": "array", "items": {"$ref": "#/definitions/Tag"}, "uniqueItems": True}),
        (ref.lower(), {"oneOf": [{"$ref": f"#/definitions/{ref}"}, {"type": "null"}]}),
        ("lines", {"type": "array", "items": line_item, "maxItems": 500}),
        ("source", {"type": "string", "const": entity.lower()}),
        ("channel", {"type": ["string", "null"], "enum": ["web", "mobile", "agent", "api", None]}),
        (
            "changes",
            {
                "type": "object",
                "properties": {
                    "field": _STR,
                    "from": {"type": ["string", "number", "boolean", "null"]},
                    "to": {"type": ["string", "number", "boolean", "null"]},
                },
                "required": ["field"],
                "additionalProperties": False,
            },
        ),
        ("extra", {"type": "object"}),
    ]
    return list(dict(pool).items())  # the nullable ref may repeat a name (``period``): keep one


def make_topic(rng: random.Random, entity: str, action: str) -> dict[str, Any]:
    """One topic: ``id`` plus 4 to 22 properties drawn from the pool, a third of them required."""
    pool = _property_pool(rng, entity)
    chosen = rng.sample(pool, rng.randint(4, len(pool)))
    properties: dict[str, Any] = {
        "id": {"type": "string", "format": "uuid", "description": f"The {entity} id."}
    }
    properties.update(chosen)
    required = ["id", *(name for name, _ in chosen if rng.random() < 0.35)]
    schema: dict[str, Any] = {
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
    }
    definitions = _reachable_definitions(schema)
    if definitions:
        schema["definitions"] = {name: DEFINITIONS[name] for name in sorted(definitions)}
    return {
        "Action": action,
        "Entity": entity,
        "Description": f"{entity} {action.lower()} (synthetic benchmark topic).",
        "Schema": schema,
    }


def _reachable_definitions(schema: Any, found: set[str] | None = None) -> set[str]:
    found = set() if found is None else found
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name not in found:
                found.add(name)
                _reachable_definitions(DEFINITIONS[name], found)
        for value in schema.values():
            _reachable_definitions(value, found)
    elif isinstance(schema, list):
        for item in schema:
            _reachable_definitions(item, found)
    return found


def entity_names(count: int) -> list[str]:
    """``count`` distinct entity names of two or three words (``PolicyClaim``, ``AgentFeeLedger``)."""
    pairs = [a + b for a in ENTITY_WORDS for b in ENTITY_WORDS if a != b]
    triples = (
        a + b + c for a in ENTITY_WORDS for b in ENTITY_WORDS for c in ENTITY_WORDS if len({a, b, c}) == 3
    )
    names = pairs[:count]
    while len(names) < count:
        names.append(next(triples))
    return names


def make_topics(count: int, seed: int = 0) -> dict[str, Any]:
    """A topic-definition document with ``count`` topics (each entity gets 2 to 8 actions)."""
    rng = random.Random(seed)
    topics: list[dict[str, Any]] = []
    entities = iter(entity_names(count))
    while len(topics) < count:
        entity = next(entities)
        for action in rng.sample(ACTIONS, min(rng.randint(2, 8), count - len(topics))):
            topics.append(make_topic(rng, entity, action))
    return {"DefaultCategory": DEFAULT_CATEGORY, "Topics": topics}


def dump(document: dict[str, Any]) -> str:
    """The document as block-style YAML, like a hand-maintained topic file."""
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=100)


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """libyaml's dumper when available; shared sub-schemas are written out, never as ``&id`` aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


if __name__ == "__main__":
    sys.stdout.write(dump(make_topics(int(sys.argv[1]) if len(sys.argv) > 1 else 100)))
