"""A topic schema in canonical form: a union of single-type branches.

Comparing meaning, not text, starts here.  ``Space.branches`` turns a
conjunction of schema nodes into the list of ``Branch`` es whose union accepts
exactly what the conjunction accepts (or, where it cannot, says so with
``Expansion.exact``):

- ``$ref`` is followed (draft 7: its siblings are ignored), so renaming a
  definition or moving an inline object into ``definitions`` changes nothing;
- ``allOf`` members join the conjunction; ``anyOf``, ``oneOf`` and a list of
  types become alternatives, so ``type: [string, "null"]`` and the ``anyOf``
  of the two give the same branches;
- each branch has one JSON type, numbers split into integers and non-integers
  (``integer`` is the one, ``number`` both);
- annotations (``title``, ``description``, ``format``...) are never read.

Branches keep the plain nodes (schema objects without ``$ref`` and the
combinators) they came from: per-property and per-item schemas are looked up
in them on demand, which is what makes recursive schemas finite.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bc_events.compat.values import ATOMS_OF_TYPE, VKey, atom_of, vkey

Node = Any
"""A JSON Schema node: a mapping or a boolean."""

Conj = tuple[Node, ...]
"""Schema nodes that all apply to the same value (an empty one accepts everything)."""

_COMBINATORS = frozenset({"$ref", "allOf", "anyOf", "oneOf"})
ANNOTATIONS = frozenset(
    {
        "title", "description", "examples", "format", "$comment", "default", "deprecated", "readOnly",
        "writeOnly", "$schema", "$id", "definitions", "$defs", "contentMediaType", "contentEncoding",
    }
)  # fmt: skip
"""Keywords validation ignores (``format`` too: the runtime does not assert formats)."""

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
_MAX_BRANCHES = 256
_MAX_DISJOINT_DEPTH = 8


class SchemaProblem(ValueError):
    """A schema the comparison cannot read (an unresolvable or circular ``$ref``)."""


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

    @property
    def key(self) -> tuple[int, ...]:
        return tuple(map(id, self.nodes))


@dataclass
class Expansion:
    """The branches of a conjunction; ``exact`` is False when a ``oneOf`` was read as ``anyOf``."""

    branches: list[Branch]
    exact: bool = True


_MIN_KEYS = ("minLength", "minItems", "minProperties")
_MAX_KEYS = ("maxLength", "maxItems", "maxProperties")


class Space:
    """One topic schema (one document for ``$ref``), with its normalisations cached."""

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self._expansions: dict[tuple[int, ...], Expansion] = {}
        self._plain: dict[int, Mapping[str, Any]] = {}
        self._keep: list[Any] = []  # objects whose id() is a cache key stay alive

    # --- $ref -------------------------------------------------------------------------

    def resolve(self, node: Node) -> Node:
        """``node`` with ``$ref`` chains followed; ``SchemaProblem`` if unresolvable or circular."""
        seen: set[str] = set()
        while isinstance(node, dict) and "$ref" in node and isinstance(node["$ref"], str):
            reference = node["$ref"]
            if reference in seen:
                raise SchemaProblem(f"circular $ref {reference!r}")
            seen.add(reference)
            node = self._lookup(reference)
        return node

    def _lookup(self, reference: str) -> Node:
        if not reference.startswith("#"):
            raise SchemaProblem(f"$ref {reference!r}: only references inside the schema are supported")
        target: Any = self.root
        for raw in reference[1:].split("/")[1:] if reference != "#" else []:
            step = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(target, Mapping) and step in target:
                target = target[step]
            elif isinstance(target, list) and step.isdigit() and int(step) < len(target):
                target = target[int(step)]
            else:
                raise SchemaProblem(f"$ref {reference!r} does not resolve")
        return target

    # --- branches ---------------------------------------------------------------------

    def branches(self, conj: Conj) -> Expansion:
        """The union of branches equal to ``conj`` (cached by node identity)."""
        key = tuple(map(id, conj))
        found = self._expansions.get(key)
        if found is None:
            self._keep.append(conj)
            found = self._expansions[key] = self._expand(conj)
        return found

    def _expand(self, conj: Conj) -> Expansion:
        exact = True
        alternatives: list[tuple[Mapping[str, Any], ...]] = [()]
        for option_set in self._factors(conj):
            if isinstance(option_set, Expansion):  # a oneOf that is not provably exclusive
                exact = exact and option_set.exact
                continue
            alternatives = [a + o for a in alternatives for o in option_set]
            if len(alternatives) > _MAX_BRANCHES:
                raise SchemaProblem("too many alternatives (anyOf/oneOf combinations) to compare")
        branches = [b for nodes in alternatives for b in _branches_of(nodes)]
        return Expansion(branches, exact)

    def _factors(self, conj: Conj) -> list[Any]:
        """Each factor is a list of alternatives (tuples of plain nodes) that must all hold."""
        factors: list[Any] = []
        for raw in conj:
            node = self.resolve(raw)
            if node is True or (isinstance(node, Mapping) and not node):
                continue
            if not isinstance(node, Mapping):  # False, or not a schema at all
                factors.append([])
                continue
            factors.append([(self._plain_of(node),)])
            for member in node.get("allOf", ()):
                factors.extend(self._factors((member,)))
            for keyword in ("anyOf", "oneOf"):
                if keyword in node:
                    options = [b.nodes for member in node[keyword] for b in self.branches((member,)).branches]
                    factors.append(options)
                    if keyword == "oneOf" and not self._exclusive(node[keyword]):
                        factors.append(Expansion([], exact=False))
        return factors

    def _plain_of(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        plain = self._plain.get(id(node))
        if plain is None:
            self._keep.append(node)
            plain = self._plain[id(node)] = {k: v for k, v in node.items() if k not in _COMBINATORS}
        return plain

    def _exclusive(self, members: list[Node]) -> bool:
        """Whether no value can match two members of a ``oneOf`` (so it equals their ``anyOf``)."""
        expanded = [self.branches((member,)).branches for member in members]
        for i, left in enumerate(expanded):
            for right in expanded[i + 1 :]:
                if not all(disjoint(self, a, self, b) for a in left for b in right):
                    return False
        return True

    # --- what a branch says about its parts ----------------------------------------------

    def property_conj(self, branch: Branch, name: str) -> Conj:
        """The schemas a value of property ``name`` must match in an object of ``branch``."""
        if (
            len(branch.nodes) == 1 and "patternProperties" not in branch.nodes[0]
        ):  # the usual case, made quick
            node = branch.nodes[0]
            schema = (
                node["properties"][name]
                if name in node.get("properties", ())
                else node.get("additionalProperties", True)
            )
            return (False,) if schema is False else () if schema is True or schema == {} else (schema,)
        conj: list[Node] = []
        for node in branch.nodes:
            properties = node.get("properties", {})
            if name in properties:
                conj.append(properties[name])
                matched = True
            else:
                matched = False
            for pattern, schema in node.get("patternProperties", {}).items():
                if _matches(pattern, name):
                    conj.append(schema)
                    matched = True
            if not matched:
                conj.append(node.get("additionalProperties", True))
        return _simplify(conj)

    def item_conj(self, branch: Branch, index: int | None) -> Conj:
        """The schemas item ``index`` (``None``: any item past every tuple) must match."""
        conj: list[Node] = []
        for node in branch.nodes:
            items = node.get("items", True)
            if isinstance(items, list):
                if index is not None and index < len(items):
                    conj.append(items[index])
                else:
                    conj.append(node.get("additionalItems", True))
            else:
                conj.append(items)
        return _simplify(conj)


def disjoint(space_a: Space, a: Branch, space_b: Space, b: Branch, depth: int = 0) -> bool:
    """Provably no value in both branches (conservative: False when unsure).

    Told apart by type, by ``enum``/``const``, or, for objects, by a property both
    require with disjoint values, or that one requires and the other forbids.
    """
    if a.atom != b.atom:
        return True
    if a.enum is not None and b.enum is not None and not (a.enum.keys() & b.enum.keys()):
        return True
    if a.atom != "object" or depth > _MAX_DISJOINT_DEPTH:
        return False
    for name in a.required & b.required:
        left = space_a.branches(space_a.property_conj(a, name)).branches
        right = space_b.branches(space_b.property_conj(b, name)).branches
        if all(disjoint(space_a, x, space_b, y, depth + 1) for x in left for y in right):
            return True
    return any(space_b.property_conj(b, name) == (False,) for name in a.required) or any(
        space_a.property_conj(a, name) == (False,) for name in b.required
    )


def _matches(pattern: str, name: str) -> bool:
    try:
        return re.search(pattern, name) is not None
    except re.error as error:  # valid for the validator, not for Python's re: cannot compare
        raise SchemaProblem(
            f"patternProperties {pattern!r}: not a pattern this check can evaluate ({error})"
        ) from None


def _simplify(conj: list[Node]) -> Conj:
    if any(node is False for node in conj):
        return (False,)
    return tuple(node for node in conj if node is not True and node != {})


def _branches_of(nodes: tuple[Mapping[str, Any], ...]) -> list[Branch]:
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
    return [make_branch(atom, nodes) for atom in sorted(atoms)]


def make_branch(atom: str, nodes: tuple[Mapping[str, Any], ...]) -> Branch:
    """The branch of values of type ``atom`` that satisfy every one of the plain ``nodes``."""
    branch = Branch(atom, nodes)
    for node in nodes:
        for keyword in ("enum", "const"):
            if keyword in node:
                values = node[keyword] if keyword == "enum" else [node[keyword]]
                allowed = {vkey(v): v for v in values if atom_of(v) == atom}
                branch.enum = (
                    allowed if branch.enum is None else {k: allowed[k] for k in branch.enum if k in allowed}
                )
        _numeric(branch, node)
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
        branch.opaque += tuple((k, v) for k, v in node.items() if _opaque(k, v))
    if atom == "null" and branch.enum is None:
        branch.enum = {vkey(None): None}
    if atom == "boolean" and branch.enum is None:
        branch.enum = {vkey(True): True, vkey(False): False}
    return branch


def _opaque(keyword: str, value: Any) -> bool:
    if keyword in DECIDED:  # draft 4's boolean exclusive bounds are not read as bounds
        return keyword in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(value, bool)
    return keyword not in ANNOTATIONS and not keyword.startswith("x-")


def _numeric(branch: Branch, node: Mapping[str, Any]) -> None:
    lows = [(node["minimum"], False)] if "minimum" in node else []
    highs = [(node["maximum"], False)] if "maximum" in node else []
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
