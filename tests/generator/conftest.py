"""Fixtures of the generator's tests (this directory has no __init__.py: modules import by name)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from generator_support import write_topics


@pytest.fixture
def topics_file(tmp_path: Path) -> Callable[[str], Path]:
    """``topics_file(yaml)`` writes ``topics.yaml`` in a fresh directory and returns its path."""
    return lambda yaml_text: write_topics(tmp_path, yaml_text)
