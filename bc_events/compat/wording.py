"""What a difference is called, told from OLD to NEW whichever way the subset check runs.

A backward check asks "is OLD a subset of NEW?", a forward one "is NEW a subset
of OLD?"; the same failing test reads "required key 'x' added" in the one and
"required key 'x' removed" in the other.  ``Wording`` holds both phrasings.

Each phrase is a ``Phrase``: the text, and ``fix``, how to make that change
compatible (the command line adds the other ways forward: a mode, or an
acknowledgement).
"""

from __future__ import annotations

import json
from typing import Any

BACKWARD = "backward"
FORWARD = "forward"


class Phrase(str):
    """What changed (the text itself), and ``fix``: how to make it compatible, said to the user."""

    fix: str

    def __new__(cls, text: str, fix: str) -> Phrase:
        phrase = super().__new__(cls, text)
        phrase.fix = fix
        return phrase


def _show(value: Any) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


class Wording:
    """Phrases for one direction: ``backward`` (A = OLD, B = NEW) or ``forward`` (A = NEW, B = OLD).

    A backward difference is fixed by NEW accepting again what OLD accepted (old
    publishers still send it); a forward one by NEW not producing what OLD
    rejects (old consumers still check against OLD).
    """

    def __init__(self, direction: str) -> None:
        self.direction = direction

    def _pick(self, backward: tuple[str, str], forward: tuple[str, str]) -> Phrase:
        text, fix = backward if self.direction == BACKWARD else forward
        return Phrase(text, fix)

    def type_removed(self, name: str) -> Phrase:
        return self._pick(
            (f"type {name} removed", f"keep accepting {name} (e.g. in a type list) while publishers send it"),
            (f"type {name} added", f"leave {name} out until the consumers accept it"),
        )

    def narrowed_to_integer(self) -> Phrase:
        return self._pick(
            ("type number narrowed to integer", "keep type number while publishers send fractions"),
            ("type integer widened to number", "keep type integer until the consumers accept fractions"),
        )

    def whole_floats_refused(self) -> Phrase:
        return self._pick(
            (
                "integers written as 1.0 no longer accepted (draft-04 reads them as numbers)",
                "keep the draft that accepts 1.0 as an integer while publishers send it",
            ),
            (
                "integers written as 1.0 now accepted (draft-04 read them as numbers)",
                "keep draft-04 until the consumers accept 1.0 as an integer",
            ),
        )

    def value_removed(self, value: Any) -> Phrase:
        shown = _show(value)
        return self._pick(
            (f"value {shown} removed", f"keep {shown} among the values while publishers send it"),
            (f"value {shown} added", f"add {shown} once the consumers accept it"),
        )

    def enum_restricted(self, values: list[Any]) -> Phrase:
        shown = ", ".join(map(_show, values[:5])) + (", ..." if len(values) > 5 else "")
        return self._pick(
            (f"restricted to the values [{shown}]", "keep accepting every value OLD accepted"),
            (
                f"restriction to the values [{shown}] removed",
                "keep the list of values until the consumers accept others",
            ),
        )

    def tightened(self, keyword: str, mine: Any, theirs: Any) -> Phrase:
        """A bound of B rejects what A allows: tightened from OLD to NEW, or relaxed."""
        if self.direction == BACKWARD:
            text = f"{keyword} tightened: {_show(mine)} -> {_show(theirs)}"
            return Phrase(text, f"keep {keyword} at {_show(mine)} while publishers send values beyond it")
        text = f"{keyword} relaxed: {_show(theirs)} -> {_show(mine)}"
        return Phrase(text, f"keep {keyword} at {_show(theirs)} until the consumers accept more")

    def required_added(self, name: str) -> Phrase:
        return self._pick(
            (f"required key {name!r} added", f"declare {name!r} optional until every publisher sends it"),
            (f"key {name!r} no longer required", f"keep {name!r} required until the consumers do without it"),
        )

    def property_closed(self, name: str) -> Phrase:
        return self._pick(
            (
                f"property {name!r} removed from a closed object",
                f"keep {name!r} declared (optional) while publishers send it",
            ),
            (
                f"property {name!r} added to a closed object",
                f"add {name!r} once the consumers accept it",
            ),
        )

    def property_typed_on_open(self, name: str) -> Phrase:
        return self._pick(
            (
                f"property {name!r} added to an open object (OLD payloads may carry it with any value)",
                f"only an untyped {name!r} ({{}}) is compatible; if no publisher sends it today, "
                "acknowledging is safe",
            ),
            (
                f"property {name!r} removed from an open object (NEW payloads may carry it with any value)",
                f"keep {name!r} declared until the consumers accept any value there",
            ),
        )

    def additional_closed(self) -> Phrase:
        return self._pick(
            (
                "additional properties no longer allowed",
                "keep additionalProperties open while publishers send others",
            ),
            (
                "additional properties now allowed",
                "keep additionalProperties: false until the consumers accept others",
            ),
        )

    def constrained(self) -> Phrase:
        return self._pick(
            (
                "any value was allowed, now constrained",
                "keep accepting any value while publishers send others",
            ),
            (
                "was constrained, now any value is allowed",
                "keep the constraint until the consumers accept any value",
            ),
        )

    def undecided(self, keyword: str, value: Any = None) -> Phrase:
        about = f" for value {_show(value)}" if value is not None else ""
        fix = f"the comparison cannot judge a changed {keyword!r}: check it by hand"
        return Phrase(f"cannot prove compatible: {keyword!r} differs{about}", fix)
