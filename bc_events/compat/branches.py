"""Canonical branches: the values of one JSON type that satisfy a conjunction of plain schema nodes.

``make_branch`` reads each keyword once, in the node's draft (draft 4's
boolean exclusive bounds, 2020-12's ``prefixItems``), into bounds, values and
the opaque keywords the subset check compares only for sameness.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bc_events.compat.values import ATOMS_OF_TYPE, VKey, atom_of, vkey
from bc_events.schema.dialects import DEFAULT, Dialect

ANNOTATIONS = frozenset(
    {
        "title", "description", "examples", "format", "$comment", "default", "deprecated", "readOnly",
        "writeOnly", "$schema", "$id", "id", "definitions", "$defs", "contentMediaType", "contentEncoding",
        "$anchor", "$dynamicAnchor", "$recursiveAnchor", "$vocabulary",
    }
)  # fmt: skip
"""Keywords validation ignores (``format`` too: the runtime does not assert formats; draft 4's ``id``
and the anchors name places, which ``Resolver`` reads)."""

DECIDED = frozenset(
    {
        "type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        "multipleOf", "minLength", "maxLength", "pattern", "items", "additionalItems", "minItems",
        "maxItems", "uniqueItems", "properties", "required", "additionalProperties",
        "patternProperties", "minProperties", "maxProperties",
    }
)  # fmt: skip
"""Keywords the subset check reasons about; every other one (``not``, ``if``, ``dependencies``,
``contains``, ``propertyNames``, anything unknown) is opaque: the same on both sides is fine,
otherwise "cannot prove compatible".  ``x-`` keywords are annotations."""


@dataclass
class Branch:
    """Values of one JSON type (``atom``) that satisfy every node of ``nodes``."""

    atom: str
    nodes: tuple[Mapping[str, Any], ...]
    enum: dict[VKey, Any] | None = None
    lower: tuple[float, bool] | None = None  # (bound, exclusive)
    upper: tuple[float, bool] | None = None
    multiples: tuple[float, ...] = ()
    bounds: dict[str, int] = field(default_factory=dict)  # minLength, maxItems, ... (tightest)
    patterns: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    unique: bool = False
    opaque: tuple[tuple[str, Any], ...] = ()  # (keyword, value) of keywords compared only for sameness
    dialect: Dialect = DEFAULT

    @property
    def key(self) -> tuple[int, ...]:
        return tuple(map(id, self.nodes))


_MIN_KEYS = ("minLength", "minItems", "minProperties")
_MAX_KEYS = ("maxLength", "maxItems", "maxProperties")


def branches_of(nodes: tuple[Mapping[str, Any], ...], dialect: Dialect) -> list[Branch]:
    """One branch per JSON type the plain ``nodes`` together admit."""
    atoms = set(ATOMS_OF_TYPE["any"])
    for node in nodes:
        declared = node.get("type")
        if declared is not None:
            names = declared if isinstance(declared, list) else [declared]
            atoms &= {atom for name in names for atom in ATOMS_OF_TYPE.get(name, ())}
        for keyword in ("enum", "const"):
            if keyword in node:
                values = node[keyword] if keyword == "enum" else [node[keyword]]
                atoms &= {atom_of(value) for value in values}
        if isinstance(node.get("multipleOf"), int) or float(node.get("multipleOf", 0.5)).is_integer():
            atoms.discard("fraction")  # a multiple of a whole number is whole
    return [make_branch(atom, nodes, dialect) for atom in sorted(atoms)]


def make_branch(atom: str, nodes: tuple[Mapping[str, Any], ...], dialect: Dialect = DEFAULT) -> Branch:
    """The branch of values of type ``atom`` that satisfy every one of the plain ``nodes``, in ``dialect``."""
    branch = Branch(atom, nodes, dialect=dialect)
    for node in nodes:
        for keyword in ("enum", "const"):
            if keyword in node:
                values = node[keyword] if keyword == "enum" else [node[keyword]]
                allowed = {vkey(v): v for v in values if atom_of(v) == atom}
                branch.enum = (
                    allowed if branch.enum is None else {k: allowed[k] for k in branch.enum if k in allowed}
                )
        _numeric(branch, node, dialect)
        for keyword in _MIN_KEYS:
            if keyword in node:
                branch.bounds[keyword] = max(branch.bounds.get(keyword, 0), node[keyword])
        for keyword in _MAX_KEYS:
            if keyword in node:
                branch.bounds[keyword] = min(branch.bounds.get(keyword, node[keyword]), node[keyword])
        if "pattern" in node:
            branch.patterns |= {node["pattern"]}
        if "required" in node:
            branch.required |= frozenset(node["required"])
        branch.unique = branch.unique or node.get("uniqueItems", False) is True
        branch.opaque += tuple((k, v) for k, v in node.items() if _opaque(k, v, dialect))
    if atom == "null" and branch.enum is None:
        branch.enum = {vkey(None): None}
    if atom == "boolean" and branch.enum is None:
        branch.enum = {vkey(True): True, vkey(False): False}
    return branch


def _opaque(keyword: str, value: Any, dialect: Dialect) -> bool:
    if keyword in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(value, bool):
        return not dialect.boolean_exclusive_bounds  # a bound's modifier in draft 4 (read by _numeric)
    if keyword in DECIDED or (keyword == "prefixItems" and dialect.order >= 2020):
        return False
    return keyword not in ANNOTATIONS and not keyword.startswith("x-")


def _numeric(branch: Branch, node: Mapping[str, Any], dialect: Dialect) -> None:
    modifies = dialect.boolean_exclusive_bounds  # draft 4: exclusiveMinimum: true makes minimum exclusive
    lows = [(node["minimum"], modifies and node.get("exclusiveMinimum") is True)] if "minimum" in node else []
    highs = (
        [(node["maximum"], modifies and node.get("exclusiveMaximum") is True)] if "maximum" in node else []
    )
    if isinstance(node.get("exclusiveMinimum"), (int, float)) and not isinstance(
        node["exclusiveMinimum"], bool
    ):
        lows.append((node["exclusiveMinimum"], True))
    if isinstance(node.get("exclusiveMaximum"), (int, float)) and not isinstance(
        node["exclusiveMaximum"], bool
    ):
        highs.append((node["exclusiveMaximum"], True))
    for low in lows:
        if branch.lower is None or (low[0], low[1]) > branch.lower:
            branch.lower = low
    for high in highs:
        if branch.upper is None or (high[0], not high[1]) < (branch.upper[0], not branch.upper[1]):
            branch.upper = high
    if "multipleOf" in node:
        branch.multiples += (node["multipleOf"],)
