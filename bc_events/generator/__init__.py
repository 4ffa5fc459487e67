"""bc-events-gen: topic YAML -> typed Python module (the steps: ``bc_events.generator.pipeline``).

The names are imported on first use, so the command line (and ``--check`` with
nothing to do) loads only what it needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bc_events.generator.pipeline import ClassOptionError, Options, generate, load_module_spec

__all__ = ["ClassOptionError", "Options", "generate", "load_module_spec"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'bc_events.generator' has no attribute {name!r}")
    value = getattr(importlib.import_module("bc_events.generator.pipeline"), name)
    globals()[name] = value
    return value
