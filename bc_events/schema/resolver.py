"""The one reference resolver: where each ``$ref`` of a topic schema leads, as the validator resolves it.

Built once per schema, it indexes every base URI (``$id``; draft 4's ``id``;
URNs too), every anchor (``$anchor``, ``$dynamicAnchor``, and before 2019-09
the plain-name fragment ``$id: "#name"``), then answers ``resolve(ref, at)``
for a reference met at a path.  JSON pointers in fragments are percent-decoded
and unescaped by ``pointer`` (nowhere else).  ``follow`` walks a chain of
references of any length with a loop, never recursion, and reports a chain
that comes back on itself.  Nothing outside the schema is fetched: such a
reference is ``UnresolvableRef``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from bc_events.schema.dialects import Dialect, dialect_of
from bc_events.schema.pointer import Path, PointerError, format_pointer, lookup, parse_pointer
from bc_events.schema.uris import join_uri, split_fragment
from bc_events.schema.walk import Site, walk

DEFAULT_BASE = "json-schema:///"
"""The base URI of a schema without an ``$id`` of its own (jsonschema-rs uses the same)."""

REFERENCE_KEYWORDS = {"$ref": 4, "$recursiveRef": 2019, "$dynamicRef": 2020}
"""Each keyword that references a schema, and the first draft with it (``$recursiveRef``: 2019-09 only)."""

_FRAGMENT_SAFE = "/~$!&'()*+,;=:@"
"""Characters a URI fragment holds as they are (RFC 3986), so only the others are percent-encoded."""


_NAMING = frozenset({"id", "$id", "$anchor", "$dynamicAnchor", *REFERENCE_KEYWORDS})
"""The keywords that give a schema a name or refer to one: only schemas with one of them are indexed."""


class UnresolvableRef(ValueError):
    """A reference that leads nowhere in the schema (or outside it), or a chain that loops."""

    def __init__(self, ref: str, at: Path, problem: str, outside: bool = False) -> None:
        super().__init__(f"$ref {ref!r} {problem}")
        self.ref = ref
        self.at = at
        """Path of the schema holding the reference."""
        self.outside = outside
        """Whether it names a document other than this schema (which would have to be fetched)."""


@dataclass(frozen=True)
class Target:
    """Where a reference leads: the path from the root and the schema there."""

    path: Path
    node: Any

    @property
    def pointer(self) -> str:
        """The canonical fragment of the target: ``#/definitions/a~1b`` (``#`` for the root)."""
        return "#" + format_pointer(self.path)


@dataclass(frozen=True)
class Reference:
    """One reference keyword in a schema position: its schema's path, the keyword and its value."""

    path: Path
    keyword: str
    value: str


class Resolver:
    """The references of one schema document (a topic's ``Schema``)."""

    def __init__(self, root: Any, dialect: Dialect | None = None) -> None:
        """Index ``root``; its draft is ``dialect``, else its ``$schema`` (``UnknownDialect`` if unknown)."""
        self.root = root
        self.dialect = dialect or dialect_of(root)
        self._resources: dict[str, Path] = {}
        self._bases: dict[Path, str] = {}
        self._dialects: dict[Path, Dialect] = {(): self.dialect}
        self._anchors: dict[tuple[str, str], Path] = {}
        self._dynamic: dict[str, list[Path]] = {}
        self._paths: dict[int, Path] = {}
        self._references: list[Reference] = []
        self._schemas: list[Site] = []
        self._index()

    # --- indexing -----------------------------------------------------------------------

    def _index(self) -> None:
        self._add_resource(DEFAULT_BASE, ())
        for site in walk(self.root, self.dialect):
            node = site.node
            if not isinstance(node, Mapping):
                continue
            self._schemas.append(site)
            self._paths.setdefault(id(node), site.path)
            if "$schema" in node or site.dialect is not self.dialect:  # every change of draft is recorded
                self._dialects[site.path] = site.dialect
            if _NAMING.isdisjoint(node):
                continue  # most schemas: nothing to index
            self._index_names(node, site.path, site.dialect)

    def _index_names(self, node: Mapping[str, Any], path: Path, dialect: Dialect) -> None:
        """The ids, anchors and references of the schema ``node`` at ``path``."""
        base = self.base_at(path)
        declared = node.get(dialect.id_keyword)
        if isinstance(declared, str) and (dialect.ref_siblings_apply or "$ref" not in node):
            base = self._identify(declared, base, path, dialect)  # before 2019-09 $ref hides its siblings
        for keyword in dialect.anchor_keywords:
            name = node.get(keyword)
            if isinstance(name, str):
                self._anchors.setdefault((base, name), path)
                if keyword == "$dynamicAnchor":
                    self._dynamic.setdefault(name, []).append(path)
        for keyword, since in REFERENCE_KEYWORDS.items():
            value = node.get(keyword)
            if (
                isinstance(value, str)
                and dialect.order >= since
                and not (keyword == "$recursiveRef" and dialect.order != 2019)
            ):
                self._references.append(Reference(path, keyword, value))

    def _identify(self, declared: str, base: str, path: Path, dialect: Dialect) -> str:
        """Record an id: a new base URI, or (before 2019-09, ``#name``) an anchor; the base in force after."""
        uri, fragment = split_fragment(join_uri(base, declared))
        if declared.startswith("#"):
            if dialect.fragment_ids_are_anchors and fragment and not fragment.startswith("/"):
                self._anchors.setdefault((uri, unquote(fragment)), path)
            return base
        self._add_resource(uri, path)
        if fragment and dialect.fragment_ids_are_anchors and not fragment.startswith("/"):
            self._anchors.setdefault((uri, unquote(fragment)), path)
        return uri

    def _add_resource(self, uri: str, path: Path) -> None:
        if path not in self._bases or self._bases[path] == DEFAULT_BASE:
            self._resources.setdefault(uri, path)
        self._bases[path] = uri

    # --- questions ----------------------------------------------------------------------

    def base_at(self, path: Path) -> str:
        """The base URI in force at ``path``: that of the nearest enclosing resource."""
        while path not in self._bases and path:
            path = path[:-1]
        return self._bases.get(path, DEFAULT_BASE)

    def uri_of(self, path: Path) -> str:
        """The absolute URI naming the schema at ``path``: its resource's base, ``#``, the pointer inside.

        ``quote`` percent-encodes what a fragment may not hold (a space, ``%``, ``#``).
        """
        inner = path
        while inner not in self._bases and inner:
            inner = inner[:-1]
        base = self._bases.get(inner, DEFAULT_BASE)
        return base + "#" + quote(format_pointer(path[len(inner) :]), safe=_FRAGMENT_SAFE)

    def dialect_at(self, path: Path) -> Dialect:
        """The draft the schema at ``path`` is read in (an embedded resource may declare its own)."""
        while path not in self._dialects:
            path = path[:-1]
        return self._dialects[path]

    def path_of(self, node: Any) -> Path | None:
        """Where schema ``node`` (this very object) stands in the document, if it is one of its schemas."""
        return self._paths.get(id(node))

    def schemas(self) -> Iterator[Site]:
        """Every schema object (not the boolean ones) of the document, as ``walk`` finds them, in order."""
        return iter(self._schemas)

    def references(self) -> Iterator[Reference]:
        """Every ``$ref`` (and ``$recursiveRef``/``$dynamicRef``) in a schema position, in document order."""
        return iter(self._references)

    def resolve(self, ref: str, at: Path = ()) -> Target:
        """Where ``ref``, met in the schema at path ``at``, leads; ``UnresolvableRef`` if nowhere."""
        uri, fragment = split_fragment(join_uri(self.base_at(at), ref))
        start = self._resources.get(uri)
        if start is None:
            raise UnresolvableRef(ref, at, "is outside the topic schema (nothing is fetched)", outside=True)
        decoded = unquote(fragment)
        if decoded and not decoded.startswith("/"):
            anchored = self._anchors.get((uri, decoded))
            if anchored is None:
                raise UnresolvableRef(ref, at, f"does not resolve: no anchor {decoded!r}")
            return Target(anchored, lookup(self.root, anchored))
        try:
            path = start + parse_pointer(decoded)
            return Target(path, lookup(self.root, path))
        except PointerError as error:
            raise UnresolvableRef(ref, at, f"does not resolve: {error}") from None

    def follow(self, at: Path = ()) -> Target:
        """The schema at ``at`` with its chain of ``$ref`` s followed to a schema that has none.

        Only for drafts where ``$ref`` hides its siblings is this the schema's
        whole meaning; later drafts also apply the referring node's keywords.
        ``UnresolvableRef`` for a chain that comes back to where it passed.
        """
        try:
            node = lookup(self.root, at)
        except PointerError as error:
            raise UnresolvableRef("#" + format_pointer(at), at, f"does not resolve: {error}") from None
        passed: set[Path] = set()
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            if at in passed:
                raise UnresolvableRef(
                    node["$ref"], at, "is circular (the chain of $ref comes back to itself)"
                )
            passed.add(at)
            target = self.resolve(node["$ref"], at)
            at, node = target.path, target.node
        return Target(at, node)

    def dynamic_anchors(self, name: str) -> list[Target]:
        """Every schema with ``$dynamicAnchor: name``, outermost first (where a ``$dynamicRef`` may land)."""
        paths = sorted(self._dynamic.get(name, ()), key=len)
        return [Target(path, lookup(self.root, path)) for path in paths]
