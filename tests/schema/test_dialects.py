"""Dialects: detected from ``$schema`` in schema positions only, with the features of each draft."""

from __future__ import annotations

import jsonschema_rs
import pytest

from bc_events.schema.dialects import (
    DEFAULT,
    DIALECTS,
    DRAFT4,
    DRAFT6,
    DRAFT7,
    DRAFT2019,
    DRAFT2020,
    Dialect,
    UnknownDialect,
    dialect_named,
    dialect_of,
    validator_class,
)


@pytest.mark.parametrize(
    ("value", "dialect"),
    [
        ("http://json-schema.org/draft-04/schema#", DRAFT4),
        ("https://json-schema.org/draft-04/schema", DRAFT4),
        ("http://json-schema.org/draft-06/schema", DRAFT6),
        ("http://json-schema.org/draft-07/schema#", DRAFT7),
        ("https://json-schema.org/draft/2019-09/schema", DRAFT2019),
        ("http://json-schema.org/draft/2020-12/schema#", DRAFT2020),
        ("http://json-schema.org/draft-05/schema#", None),
        ("ftp://json-schema.org/draft-07/schema#", None),
        ({"type": "string"}, None),  # a property named $schema, read as if it were the keyword
        (None, None),
    ],
)
def test_dialect_named(value: object, dialect: Dialect | None) -> None:
    assert dialect_named(value) is dialect


def test_a_schema_without_schema_is_draft_7() -> None:
    assert dialect_of({"type": "object"}) is DEFAULT is DRAFT7
    assert dialect_of(True) is DRAFT7


def test_an_unknown_schema_is_refused_with_what_is_accepted() -> None:
    with pytest.raises(
        UnknownDialect, match=r"unknown \$schema 'http://example.com/s': only the drafts 4, 6"
    ):
        dialect_of({"$schema": "http://example.com/s"})


def test_features_per_draft() -> None:
    assert [d.id_keyword for d in DIALECTS] == ["id", "$id", "$id", "$id", "$id"]
    assert [d.ref_siblings_apply for d in DIALECTS] == [False, False, False, True, True]
    assert [d.fragment_ids_are_anchors for d in DIALECTS] == [True, True, True, False, False]
    assert [d.anchor_keywords for d in DIALECTS] == [(), (), (), ("$anchor",), ("$anchor", "$dynamicAnchor")]
    assert [d.tuple_items for d in DIALECTS] == ["items"] * 4 + ["prefixItems"]
    assert [d.rest_items for d in DIALECTS] == ["additionalItems"] * 4 + ["items"]
    assert [d.boolean_exclusive_bounds for d in DIALECTS] == [True, False, False, False, False]
    assert [d.has("dependencies") for d in DIALECTS] == [True] * 5  # jsonschema-rs keeps it in 2019-09 on
    assert [d.has("dependentRequired") for d in DIALECTS] == [False, False, False, True, True]
    assert [d.has("const") for d in DIALECTS] == [False, True, True, True, True]
    assert [d.has("if") for d in DIALECTS] == [False, False, True, True, True]
    assert [d.has("prefixItems") for d in DIALECTS] == [False] * 4 + [True]


def test_each_dialect_has_its_validator() -> None:
    classes = [validator_class(d) for d in DIALECTS]
    assert classes == [
        jsonschema_rs.Draft4Validator,
        jsonschema_rs.Draft6Validator,
        jsonschema_rs.Draft7Validator,
        jsonschema_rs.Draft201909Validator,
        jsonschema_rs.Draft202012Validator,
    ]
