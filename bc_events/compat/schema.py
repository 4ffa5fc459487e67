"""A topic schema in canonical form: a union of single-type branches.

Comparing meaning, not text, starts here.  ``Space.branches`` turns a
conjunction of schema nodes into the list of ``Branch`` es whose union accepts
exactly what the conjunction accepts (or, where it cannot, says so with
``Expansion.exact``):

- ``$ref`` is followed by ``bc_events.schema``'s resolver (anchors, ``$id``
  bases, percent-escapes), so renaming a definition or moving an inline object
  into ``definitions`` changes nothing; before 2019-09 its siblings are
  ignored, from 2019-09 on they are one more conjunct;
- each draft's keywords are read as that draft defines them (draft 4's
  boolean ``exclusiveMinimum``, 2020-12's ``prefixItems``/``items``);
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
from dataclasses import dataclass
from typing import Any

from bc_events.compat.branches import ANNOTATIONS, DECIDED, Branch, branches_of, make_branch
from bc_events.schema.dialects import EVERY_KEYWORD, dialect_of
from bc_events.schema.patterns import translate
from bc_events.schema.resolver import Resolver, UnresolvableRef

Node = Any
"""A JSON Schema node: a mapping or a boolean."""

Conj = tuple[Node, ...]
"""Schema nodes that all apply to the same value (an empty one accepts everything)."""

_COMBINATORS = frozenset({"$ref", "allOf", "anyOf", "oneOf"})
_MAX_BRANCHES = 256
_MAX_DISJOINT_DEPTH = 8
__all__ = ["ANNOTATIONS", "DECIDED", "Branch", "Conj", "Expansion", "SchemaProblem", "Space", "make_branch"]


class SchemaProblem(ValueError):
    """A schema the comparison cannot read (an unresolvable or circular ``$ref``)."""


@dataclass
class Expansion:
    """The branches of a conjunction; ``exact`` is False when a ``oneOf`` was read as ``anyOf``."""

    branches: list[Branch]
    exact: bool = True


class Space:
    """One topic schema (one document for ``$ref``), with its normalisations cached."""

    def __init__(self, root: Mapping[str, Any], resolver: Resolver | None = None) -> None:
        """``root`` in the draft its ``$schema`` names (else draft 7), its references read by ``Resolver``."""
        self.root = root
        self.dialect = dialect_of(root) if resolver is None else resolver.dialect
        self._resolver = resolver if resolver is not None and resolver.root is root else None
        self._expansions: dict[tuple[int, ...], Expansion] = {}
        self._plain: dict[int, Mapping[str, Any]] = {}
        self._keep: list[Any] = []  # objects whose id() is a cache key stay alive

    # --- $ref -------------------------------------------------------------------------

    def resolve(self, node: Node) -> Node:
        """``node`` with ``$ref`` s that stand alone followed; ``SchemaProblem`` if unresolvable or circular.

        A ``$ref`` stands alone before 2019-09 (its siblings are ignored), and
        later when nothing but annotations stands beside it; otherwise it is
        one more conjunct of its node (``_factors``).  Chains are followed by a
        loop, so their length is not limited.
        """
        passed: set[int] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and self._alone(node):
            if id(node) in passed:
                raise SchemaProblem(f"circular $ref {node['$ref']!r}")
            passed.add(id(node))
            node = self.target(node)
        return node

    @property
    def resolver(self) -> Resolver:
        """The schema's ``Resolver``, made when the first ``$ref`` is followed (many schemas have none)."""
        if self._resolver is None:
            self._resolver = Resolver(self.root, self.dialect)
        return self._resolver

    def target(self, node: Mapping[str, Any]) -> Node:
        """Where the ``$ref`` of ``node`` leads (resolved from where ``node`` stands)."""
        path = self.resolver.path_of(node)
        try:
            return self.resolver.resolve(node["$ref"], () if path is None else path).node
        except UnresolvableRef as error:
            raise SchemaProblem(str(error)) from None

    def _alone(self, node: Mapping[str, Any]) -> bool:
        if not self.dialect.ref_siblings_apply:
            return True
        return all(key == "$ref" or key in ANNOTATIONS or key.startswith("x-") for key in node)

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
        branches = [b for nodes in alternatives for b in branches_of(nodes, self.dialect)]
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
            if isinstance(node.get("$ref"), str):  # 2019-09 on: the target applies beside the siblings
                factors.extend(self._factors((self.target(node),)))
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
            plain = self._plain[id(node)] = {k: v for k, v in node.items() if self._read(k)}
        return plain

    def _read(self, keyword: str) -> bool:
        """Whether a plain node keeps ``keyword``: not a combinator, nor another draft's keyword."""
        if keyword in _COMBINATORS:
            return False
        return self.dialect.has(keyword) or keyword not in EVERY_KEYWORD  # the validator ignores the rest

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
        tuple_keyword, rest_keyword = self.dialect.tuple_items, self.dialect.rest_items
        for node in branch.nodes:
            positional = node.get(tuple_keyword)
            if isinstance(positional, list):
                if index is not None and index < len(positional):
                    conj.append(positional[index])
                else:
                    conj.append(node.get(rest_keyword, True))
            else:
                conj.append(
                    node.get("items", True) if tuple_keyword == "items" else node.get(rest_keyword, True)
                )
        return _simplify(conj)

    def tuple_length(self, branch: Branch) -> int:
        """How many positional item schemas the nodes of ``branch`` give (``items`` list, ``prefixItems``)."""
        keyword = self.dialect.tuple_items
        return max(
            (len(node[keyword]) for node in branch.nodes if isinstance(node.get(keyword), list)), default=0
        )


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
        return (
            re.search(translate(pattern), name) is not None
        )  # braces and Annex B forms as the runtime reads them
    except re.error as error:  # valid for the validator, not for Python's re: cannot compare
        raise SchemaProblem(
            f"patternProperties {pattern!r}: not a pattern this check can evaluate ({error})"
        ) from None


def _simplify(conj: list[Node]) -> Conj:
    if any(node is False for node in conj):
        return (False,)
    return tuple(node for node in conj if node is not True and node != {})
