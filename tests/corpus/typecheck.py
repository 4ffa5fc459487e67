"""One folder of files for the type checkers, and one run of each checker over it.

The folder holds the generated module, ``pos_<Entity>_<Action>.py`` per example
payload (the literal passed to its topic's method: must type-check),
``neg_<Entity>_<Action>__<kind>.py`` per mutated payload (must not) and
``syn_<Entity>_<Action>__<variant>.py`` per instance synthesized from each
topic's schema (must type-check: this covers the topics without an example).  Errors are
collected per file, so one checker process answers every test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bc_events.naming import action_first_name

from .instances import valid_instances
from .literals import call_module
from .locate import Payload
from .mutations import KINDS, Mutation, Mutator

MUTATION_SEED = int(os.environ.get("BC_EVENTS_MUTATION_SEED", "4"))
"""Seed of the mutation draw; set the variable to explore other draws (the default is what CI runs)."""

MODULE = "github_events"


@dataclass(frozen=True)
class GeneratedModule:
    """A module written by ``bc-events-gen``: where, its text, what it said on stderr, how long it took."""

    path: Path
    source: str
    stderr: str
    seconds: float


@dataclass(frozen=True)
class Negative:
    payload: Payload
    mutation: Mutation


@dataclass
class TypecheckFolder:
    folder: Path
    positives: dict[str, Payload] = field(default_factory=dict)
    negatives: dict[str, Negative] = field(default_factory=dict)
    undrawable: dict[str, list[str]] = field(default_factory=dict)
    """Kind -> payloads that have no place for a mutation of that kind."""
    synthesized: dict[str, str] = field(default_factory=dict)
    """File name -> topic (``Entity.Action``) of the instances synthesized from every topic's schema."""
    topics: list[str] = field(default_factory=list)
    """Every topic of the module (``Entity.Action``)."""

    @property
    def module_file(self) -> str:
        return f"{MODULE}.py"

    @property
    def file_count(self) -> int:
        return 1 + len(self.positives) + len(self.negatives) + len(self.synthesized)

    def positive_of(self, negative: str) -> str:
        return f"pos_{self.negatives[negative].payload.stem}.py"


def write_typecheck_folder(
    folder: Path,
    module: GeneratedModule,
    payloads: list[Payload],
    schemas: Mapping[tuple[str, str], Mapping[str, Any]],
) -> TypecheckFolder:
    """Write the module, the payload files and the mutated-payload files into ``folder``."""
    result = TypecheckFolder(folder)
    (folder / result.module_file).write_text(module.source, "utf-8")
    (folder / "mypy.ini").write_text("[mypy]\n", "utf-8")  # no project config leaks in
    result.undrawable = {kind: [] for kind in KINDS}
    for payload in payloads:
        method = action_first_name(payload.entity, payload.action)
        name = f"pos_{payload.stem}.py"
        comment = f"{payload.file}: passed as is to {method}: must type-check"
        (folder / name).write_text(call_module(MODULE, method, payload.data, comment), "utf-8")
        result.positives[name] = payload
        mutations = Mutator(schemas[payload.entity, payload.action], MUTATION_SEED).mutate(
            payload.file, payload.data
        )
        for kind in KINDS:
            mutation = mutations.get(kind)
            if mutation is None:
                result.undrawable[kind].append(payload.file)
                continue
            name = f"neg_{payload.stem}__{kind.replace('-', '_')}.py"
            comment = (
                f"{payload.file} mutated (seed {MUTATION_SEED}), must be rejected:\n{mutation.describe()}"
            )
            (folder / name).write_text(call_module(MODULE, method, mutation.payload, comment), "utf-8")
            result.negatives[name] = Negative(payload, mutation)
    for (entity, action), schema in schemas.items():
        result.topics.append(f"{entity}.{action}")
        method = action_first_name(entity, action)
        for variant, instance in valid_instances(schema):
            name = f"syn_{entity}_{action}__{variant}.py"
            comment = f"{entity}.{action}: instance synthesized from its schema ({variant}): must type-check"
            (folder / name).write_text(call_module(MODULE, method, instance, comment), "utf-8")
            result.synthesized[name] = f"{entity}.{action}"
    return result


@dataclass(frozen=True)
class CheckerReport:
    """Error messages per file name (files without errors are absent), and the run's wall time."""

    errors: dict[str, list[str]]
    seconds: float
    output: str

    def errors_in(self, name: str) -> list[str]:
        return self.errors.get(name, [])


_MYPY_LINE = re.compile(r"^(?P<file>[^:\s]+\.py):(?P<line>\d+)(?::\d+)?: error: (?P<message>.*)$")


def run_mypy(target: TypecheckFolder) -> CheckerReport:
    command = [
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--config-file",
        "mypy.ini",
        "--cache-dir",
        ".mypy_cache",
        "--no-color-output",
        "--no-error-summary",
        ".",
    ]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=target.folder, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if result.returncode not in (0, 1):
        raise RuntimeError(
            f"mypy failed to run ({result.returncode}):\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )
    errors: dict[str, list[str]] = {}
    for line in result.stdout.splitlines():
        match = _MYPY_LINE.match(line)
        if match:
            message = f"{match['line']}: {match['message']}"
            errors.setdefault(Path(match["file"]).name, []).append(message)
    return CheckerReport(errors, seconds, result.stdout)


def run_pyright(target: TypecheckFolder) -> CheckerReport:
    command = [
        str(Path(sys.executable).parent / "pyright"),
        "--outputjson",
        "--pythonpath",
        sys.executable,
        "--pythonversion",
        "3.11",
        ".",
    ]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=target.folder, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    try:
        document = json.loads(result.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"pyright failed to run ({result.returncode}):\n{result.stdout[-3000:]}") from None
    errors: dict[str, list[str]] = {}
    for diagnostic in document.get("generalDiagnostics", []):
        if diagnostic.get("severity") != "error":
            continue
        line = diagnostic["range"]["start"]["line"] + 1
        rule = diagnostic.get("rule", "")
        message = f"{line}: {diagnostic['message']} [{rule}]"
        errors.setdefault(Path(diagnostic["file"]).name, []).append(message)
    return CheckerReport(errors, seconds, result.stdout)
