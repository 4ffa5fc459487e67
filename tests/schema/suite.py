"""The official JSON-Schema-Test-Suite in ``../shared/conformance``: its groups, draft by draft."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bc_events.schema.dialects import DRAFT4, DRAFT6, DRAFT7, DRAFT2019, DRAFT2020, Dialect

ROOT = Path(__file__).resolve().parents[2]
SUITE = Path(
    os.environ.get(
        "BC_EVENTS_SCHEMA_SUITE", ROOT.parent / "shared" / "conformance" / "json-schema-test-suite"
    )
)
FOLDERS = {
    DRAFT4: "draft4",
    DRAFT6: "draft6",
    DRAFT7: "draft7",
    DRAFT2019: "draft2019-09",
    DRAFT2020: "draft2020-12",
}


@dataclass(frozen=True)
class Group:
    """One test group: its file, description, schema and the instances with their expected validity."""

    dialect: Dialect
    file: str
    description: str
    schema: Any
    tests: list[tuple[Any, bool]]

    @property
    def label(self) -> str:
        return f"{self.dialect}/{self.file}: {self.description}"


def suite_or_skip() -> Path:
    """The suite's folder; the calling test is skipped, with where it was looked for, when it is absent."""
    if not (SUITE / "tests").is_dir():
        pytest.skip(f"the JSON-Schema-Test-Suite is not at {SUITE} (set BC_EVENTS_SCHEMA_SUITE)")
    return SUITE


def groups(dialect: Dialect, optional: bool = True) -> Iterator[Group]:
    """Every group of ``dialect``'s files (and of ``optional/``, but not ``optional/format``)."""
    folder = SUITE / "tests" / FOLDERS[dialect]
    files = sorted(folder.glob("*.json"))
    if optional:
        files += sorted((folder / "optional").glob("*.json"))
    for path in files:
        for group in json.loads(path.read_text("utf-8")):
            tests = [(test["data"], test["valid"]) for test in group["tests"]]
            name = str(path.relative_to(folder))
            yield Group(dialect, name, group["description"], group["schema"], tests)
