"""What a difference is called, told from OLD to NEW whichever way the subset check runs.

A backward check asks "is OLD a subset of NEW?", a forward one "is NEW a subset
of OLD?"; the same failing test reads "required key 'x' added" in the one and
"required key 'x' removed" in the other.  ``Wording`` holds both phrasings.
"""

from __future__ import annotations

import json
from typing import Any

BACKWARD = "backward"
FORWARD = "forward"


def _show(value: Any) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


class Wording:
    """Phrases for one direction: ``backward`` (A = OLD, B = NEW) or ``forward`` (A = NEW, B = OLD)."""

    def __init__(self, direction: str) -> None:
        self.direction = direction

    def _pick(self, backward: str, forward: str) -> str:
        return backward if self.direction == BACKWARD else forward

    def type_removed(self, name: str) -> str:
        return self._pick(f"type {name} removed", f"type {name} added")

    def narrowed_to_integer(self) -> str:
        return self._pick("type number narrowed to integer", "type integer widened to number")

    def whole_floats_refused(self) -> str:
        return self._pick(
            "integers written as 1.0 no longer accepted (draft-04 reads them as numbers)",
            "integers written as 1.0 now accepted (draft-04 read them as numbers)",
        )

    def value_removed(self, value: Any) -> str:
        return self._pick(f"value {_show(value)} removed", f"value {_show(value)} added")

    def enum_restricted(self, values: list[Any]) -> str:
        shown = ", ".join(map(_show, values[:5])) + (", ..." if len(values) > 5 else "")
        return self._pick(
            f"restricted to the values [{shown}]", f"restriction to the values [{shown}] removed"
        )

    def tightened(self, keyword: str, mine: Any, theirs: Any) -> str:
        """A bound of B rejects what A allows: tightened from OLD to NEW, or relaxed."""
        if self.direction == BACKWARD:
            return f"{keyword} tightened: {_show(mine)} -> {_show(theirs)}"
        return f"{keyword} relaxed: {_show(theirs)} -> {_show(mine)}"

    def required_added(self, name: str) -> str:
        return self._pick(f"required key {name!r} added", f"key {name!r} no longer required")

    def property_closed(self, name: str) -> str:
        return self._pick(
            f"property {name!r} removed from a closed object", f"property {name!r} added to a closed object"
        )

    def property_typed_on_open(self, name: str) -> str:
        return self._pick(
            f"property {name!r} added to an open object (OLD payloads may carry it with any value)",
            f"property {name!r} removed from an open object (NEW payloads may carry it with any value)",
        )

    def additional_closed(self) -> str:
        return self._pick("additional properties no longer allowed", "additional properties now allowed")

    def constrained(self) -> str:
        return self._pick(
            "any value was allowed, now constrained", "was constrained, now any value is allowed"
        )

    def undecided(self, keyword: str, value: Any = None) -> str:
        about = f" for value {_show(value)}" if value is not None else ""
        return f"cannot prove compatible: {keyword!r} differs{about}"
