"""The one escaping function, and the one Unicode rule, for everything from the YAML that lands in code.

The output must be the same bytes whichever Python runs the generator, but ``repr``
and ``str.isidentifier`` follow the running interpreter's Unicode database (14.0 on
Python 3.11, 15.0 on 3.12, 15.1 on 3.13).  So both decisions here read one pinned
database that every Python ships unchanged, ``unicodedata.ucd_3_2_0``:

* in a string literal a non-ASCII character is written as itself when Unicode 3.2
  assigns it a printable category, and as a ``\\x``/``\\u``/``\\U`` escape otherwise
  (later additions such as newer emoji are escaped: the literal's value is the same);
* in a generated name a character Unicode 3.2 does not assign is not a letter
  (``naming.pascal_case`` treats it like punctuation), so names never depend on it.
"""

from __future__ import annotations

import unicodedata

_PINNED = unicodedata.ucd_3_2_0
_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"})
"""Python's own definition of unprintable (``str.isprintable``), applied to the pinned database."""
_NAMED = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def is_pinned(char: str) -> bool:
    """Is ``char`` ASCII or assigned by Unicode 3.2 (the same on every supported Python)?"""
    return char.isascii() or _PINNED.category(char) != "Cn"


def _escaped(char: str) -> str:
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if 0x20 <= code < 0x7F:
        return char
    if code >= 0x80 and _PINNED.category(char) not in _UNPRINTABLE:
        return char
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def string_literal(value: str) -> str:
    """A Python string literal that evaluates to ``value``, in the quotes black would choose.

    Quotes, backslashes, line breaks and every unprintable character are escaped, so no
    text from the YAML can end a string, a docstring or a line early.  Double quotes
    unless they would need more escapes than single ones (black's rule, so black never
    rewrites the literal).
    """
    body = "".join(map(_escaped, value))
    if value.count('"') > value.count("'"):
        return "'" + body.replace("'", "\\'") + "'"
    return '"' + body.replace('"', '\\"') + '"'


def py_literal(value: str | int | bool | None) -> str:
    """A Python literal that evaluates to exactly ``value`` (``string_literal`` for strings)."""
    if value is None or isinstance(value, (bool, int)):
        return repr(value)
    if not isinstance(value, str):
        raise TypeError(f"no literal for {type(value).__name__}")
    return string_literal(value)
