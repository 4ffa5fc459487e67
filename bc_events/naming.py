"""The names of topic shortcuts, shared by runtime sessions and generated code.

``Entity: MyEntity`` + ``Action: Created`` gives ``created_my_entity`` (action
first) and ``my_entity_created`` (entity first).  Both the dynamic shortcuts of
``EventSession`` and the methods ``bc-events-gen`` writes use these functions,
so the two can never disagree.
"""

from __future__ import annotations

import re

_WORD_START = re.compile(r"(?<!^)(?=[A-Z])")


def snake_case(pascal: str) -> str:
    """``MyEntity`` -> ``my_entity``."""
    return _WORD_START.sub("_", pascal).lower()


def action_first_name(entity: str, action: str) -> str:
    """``created_my_entity``."""
    return f"{snake_case(action)}_{snake_case(entity)}"


def entity_first_name(entity: str, action: str) -> str:
    """``my_entity_created``."""
    return f"{snake_case(entity)}_{snake_case(action)}"
