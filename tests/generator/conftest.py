"""Fixtures of the generator's tests (this directory has no __init__.py: modules import by name)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from generator_support import write_topics

from bc_events.generator.cache import ENVIRONMENT_VARIABLE


@pytest.fixture
def topics_file(tmp_path: Path) -> Callable[[str], Path]:
    """``topics_file(yaml)`` writes ``topics.yaml`` in a fresh directory and returns its path."""
    return lambda yaml_text: write_topics(tmp_path, yaml_text)


@pytest.fixture(autouse=True, scope="session")
def _cache_outside_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """bc-events-gen runs of these tests (in process and as subprocesses) cache in a temporary directory."""
    previous = os.environ.get(ENVIRONMENT_VARIABLE)
    os.environ[ENVIRONMENT_VARIABLE] = str(tmp_path_factory.mktemp("bc-events-cache"))
    yield
    if previous is None:
        os.environ.pop(ENVIRONMENT_VARIABLE, None)
    else:
        os.environ[ENVIRONMENT_VARIABLE] = previous
