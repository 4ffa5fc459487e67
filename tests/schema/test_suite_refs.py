"""The resolver agrees with jsonschema-rs on every ``$ref`` of the official test suite.

For each group whose schema jsonschema-rs compiles without fetching anything,
every ``$ref`` is resolved by ``Resolver``; then each ``$ref`` is rewritten to
name its target by a pointer from the document's root (the root's own base
URI, so no enclosing ``$id`` can change its meaning), and every instance of the
group must get the same verdict from jsonschema-rs under the rewritten schema
as under the original.  A target chosen wrongly (the root for an anchor, the
wrong resource for a relative URI) changes what the schema accepts, and the
instances of the suite are written to tell exactly those apart.
"""

from __future__ import annotations

import copy
from typing import Any

import jsonschema_rs
import pytest

from bc_events.schema.dialects import DIALECTS, Dialect, refuse_retrieval, validator_class
from bc_events.schema.pointer import lookup
from bc_events.schema.resolver import Resolver, UnresolvableRef
from tests.schema.suite import Group, groups, suite_or_skip


def _compiles(group: Group) -> jsonschema_rs.Validator | None:
    try:
        return validator_class(group.dialect)(
            group.schema, validate_formats=False, retriever=refuse_retrieval
        )
    except (ValueError, jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError):
        return None


def _meta_schema(ref: str) -> bool:
    return ref.split("#")[0].rstrip("/").replace("https://", "http://") in _META


_META = {d.uri.split("#")[0].replace("https://", "http://") for d in DIALECTS}


def _rewritten(group: Group, resolver: Resolver) -> tuple[Any, int]:
    """The group's schema with every ``$ref`` naming its target from the root; how many were rewritten."""
    schema = copy.deepcopy(group.schema)
    count = 0
    for reference in resolver.references():
        if reference.keyword != "$ref" or _meta_schema(reference.value):
            continue  # the validator knows the meta-schemas without fetching: they are not in the document
        target = resolver.resolve(reference.value, reference.path)
        lookup(schema, reference.path)["$ref"] = resolver.uri_of(target.path)
        count += 1
    return schema, count


def _dynamic(resolver: Resolver) -> bool:
    return any(reference.keyword != "$ref" for reference in resolver.references())


def _lookups_disagree(group: Group, resolver: Resolver) -> list[str]:
    """Each ``$ref`` whose target differs from jsonschema-rs's own lookup from the same base URI."""
    root = resolver.base_at(())
    registry = jsonschema_rs.Registry([(root, group.schema)], draft=_DRAFTS[group.dialect.order])
    found = []
    for reference in resolver.references():
        if reference.keyword != "$ref" or _meta_schema(reference.value):
            continue
        theirs = registry.resolver(resolver.base_at(reference.path)).lookup(reference.value).contents
        if theirs != resolver.resolve(reference.value, reference.path).node:
            found.append(
                f"{group.label}: {reference.value!r} at {reference.path}: jsonschema-rs finds {theirs!r}"
            )
    return found


_DRAFTS = {
    4: jsonschema_rs.Draft4,
    6: jsonschema_rs.Draft6,
    7: jsonschema_rs.Draft7,
    2019: jsonschema_rs.Draft201909,
    2020: jsonschema_rs.Draft202012,
}


@pytest.mark.parametrize("dialect", DIALECTS, ids=str)
def test_every_local_ref_resolves_where_jsonschema_rs_resolves_it(dialect: Dialect) -> None:
    suite_or_skip()
    checked, disagreements = 0, []
    for group in groups(dialect):
        original = _compiles(group)
        if original is None or not isinstance(group.schema, dict):
            continue  # remote references, or a schema jsonschema-rs refuses: nothing local to agree on
        resolver = Resolver(group.schema, dialect)
        try:
            schema, count = _rewritten(group, resolver)
        except UnresolvableRef as error:
            disagreements.append(f"{group.label}: {error}")
            continue
        if count == 0:
            continue
        disagreements += _lookups_disagree(group, resolver)
        if _dynamic(resolver):  # rewriting a $ref can move the dynamic scope: the lookups above must do
            checked += count
            continue
        rewritten = validator_class(dialect)(schema, validate_formats=False, retriever=refuse_retrieval)
        for instance, _ in group.tests:
            if original.is_valid(instance) != rewritten.is_valid(instance):
                disagreements.append(f"{group.label}: {instance!r}")
        checked += count
    print(f"{dialect}: {checked} references resolved and checked against jsonschema-rs")
    assert checked > 0
    assert not disagreements, "\n".join(disagreements)
