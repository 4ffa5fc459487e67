"""JSON pointers and fragments: decoded in one place, as RFC 6901 and RFC 3986 say."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bc_events.schema.pointer import (
    PointerError,
    escape_token,
    format_pointer,
    lookup,
    parse_fragment,
    parse_pointer,
    unescape_token,
)

DOCUMENT = {"a/b": {"~c": [10, 20]}, "a b": 1, "%25": 2, "": 3, "01": 4}


@pytest.mark.parametrize(
    ("pointer", "path"),
    [
        ("", ()),
        ("/", ("",)),
        ("/a~1b/~0c/1", ("a/b", "~c", "1")),
        ("/~01", ("~1",)),  # ~1 is undone before ~0: "~01" is "~1", not "/"
        ("/a b", ("a b",)),
    ],
)
def test_parse_pointer(pointer: str, path: tuple[str, ...]) -> None:
    assert parse_pointer(pointer) == path
    assert format_pointer(path) == pointer


@pytest.mark.parametrize(
    ("fragment", "path"),
    [
        ("/a%20b", ("a b",)),
        ("/%2525", ("%25",)),  # percent-decoded once, then taken as written
        ("/a~1b/%7Ec", ("a/b", "~c")),  # %7E is "~", which then escapes nothing: "~c"
        ("", ()),
    ],
)
def test_parse_fragment_percent_decodes_first(fragment: str, path: tuple[str, ...]) -> None:
    assert parse_fragment(fragment) == path


def test_a_pointer_without_a_leading_slash_is_refused() -> None:
    with pytest.raises(PointerError, match="must be empty or start with '/'"):
        parse_pointer("definitions/a")


@pytest.mark.parametrize(
    ("path", "found"),
    [
        ((), DOCUMENT),
        (("a/b", "~c", "1"), 20),
        (("a b",), 1),
        (("",), 3),
        (("01",), 4),  # a key that looks like an index is still a key of a mapping
    ],
)
def test_lookup(path: tuple[str, ...], found: object) -> None:
    assert lookup(DOCUMENT, path) == found


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        (("missing",), "nothing at /missing"),
        (("a/b", "~c", "2"), "nothing at /a~1b/~0c/2"),
        (("a/b", "~c", "01"), "nothing at /a~1b/~0c/01"),  # no leading zeros in an array index
        (("a/b", "~c", "-1"), "nothing at"),
        (("a b", "x"), "nothing at /a b/x"),  # through a number
    ],
)
def test_lookup_names_the_first_step_that_fails(path: tuple[str, ...], problem: str) -> None:
    with pytest.raises(PointerError, match=problem):
        lookup(DOCUMENT, path)


@given(st.lists(st.text(), max_size=5))
def test_format_and_parse_are_inverse(tokens: list[str]) -> None:
    assert parse_pointer(format_pointer(tokens)) == tuple(tokens)
    assert all(unescape_token(escape_token(token)) == token for token in tokens)
