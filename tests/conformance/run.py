"""One run over the suite: generate per draft, publish every instance, type-check every call once.

Per usable group: does the runtime load it as a topic, does ``bc-events-gen``
generate it (a refusal, or a crash: any other exception).  Per draft: one module
of the groups that generate, and one usage file with one call per object
instance; mypy --strict and pyright each run once over all of them, and errors
are mapped back to calls by line.  The runtime (the generated module's client,
recording transport) judges every instance.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import bc_events
from bc_events.drafts import refuse_retrieval, validator_class
from bc_events.errors import EventValidationError, TopicDefinitionError
from bc_events.generator import generate
from bc_events.generator.naming import method_names
from bc_events.naming import action_first_name
from bc_events.topics import load_topic_definitions
from bc_events.validation import PayloadValidator

from .suite import DRAFTS, Group, Instance, groups, topic_file

BIN = Path(sys.executable).parent
TYPED = frozenset({"required", "type", "enum", "const"})
"""Keywords whose failures a TypedDict can report: what the checkers should catch."""
_HEADER = 4
"""Lines of a usage file before its first call."""
_EXTRA_KEY = ("Extra key", "is an undefined item", "is not a defined key")


@dataclass
class Call:
    """One object instance passed to its topic's method; what the runtime and the checkers said."""

    group: Group
    instance: Instance
    accepted: bool
    keyword: str = ""
    """The keyword of the runtime's first error (empty when accepted)."""
    path: tuple[str, ...] = ()
    """The schema path of that error, keywords only."""
    errors: dict[str, list[str]] = field(default_factory=dict)
    """Checker -> messages on this call's line."""

    def rejected_by(self, checker: str) -> bool:
        return bool(self.errors.get(checker))

    @property
    def undeclared_key(self) -> bool:
        """The documented limit: every message is an extra key, and the key is declared nowhere."""
        messages = [message for found in self.errors.values() for message in found]
        declared = declared_keys(self.group.schema)
        return all(any(part in message for part in _EXTRA_KEY) for message in messages) and bool(
            _keys(self.instance.data) - declared
        )


@dataclass
class Results:
    folder: Path
    usable: dict[str, int] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)
    generated: list[Group] = field(default_factory=list)
    refused: list[tuple[Group, str, bool]] = field(default_factory=list)
    """(group, the generator's message, whether the runtime refuses it too)."""
    crashes: list[tuple[Group, str]] = field(default_factory=list)
    module_errors: list[str] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    warnings: int = 0


def run_suite(suite: Path, folder: Path) -> Results:
    results = Results(folder)
    usages: list[tuple[str, list[Call]]] = []
    for draft in DRAFTS:
        usable, total = groups(suite, draft)
        results.usable[draft], results.total[draft] = len(usable), total
        made = [group for group in usable if _generates(group, results)]
        results.generated += made
        module = f"conformance_{draft.replace('-', '_')}"
        source = generate(f"{module}.yaml", text=topic_file(made), warn=_ignore)
        (folder / f"{module}.py").write_text(source, "utf-8")
        calls = _publish(_import(folder / f"{module}.py", module), made)
        _write_usage(folder / f"{module}_use.py", module, calls)
        usages.append((module, calls))
        results.calls += calls
    (folder / "mypy.ini").write_text("[mypy]\n", "utf-8")
    for checker, errors in (("mypy", _mypy(folder)), ("pyright", _pyright(folder))):
        for module, calls in usages:
            results.module_errors += [
                f"{checker}: {module}.py:{line}" for line in errors.get(f"{module}.py", [])
            ]
            for number, message in errors.get(f"{module}_use.py", []):
                if 0 <= number - _HEADER - 1 < len(calls):
                    calls[number - _HEADER - 1].errors.setdefault(checker, []).append(message)
                else:
                    results.module_errors.append(f"{checker}: {module}_use.py:{number}: {message}")
    return results


def _ignore(message: str) -> None:
    del message


def _generates(group: Group, results: Results) -> bool:
    """Does the group's topic generate on its own?  A refusal is recorded with the runtime's view."""
    text = topic_file([group])
    warnings: list[str] = []
    try:
        generate(f"{group.entity}.yaml", text=text, warn=warnings.append)
    except TopicDefinitionError as error:
        results.refused.append((group, str(error), _runtime_refuses(text)))
        return False
    except Exception:
        results.crashes.append((group, traceback.format_exc(limit=-3)))
        return False
    results.warnings += len(warnings)
    return True


def _runtime_refuses(text: str) -> bool:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "topics.yaml"
        path.write_text(text, "utf-8")
        try:
            for topic in load_topic_definitions(str(path)).topics:
                PayloadValidator(topic)
        except TopicDefinitionError:
            return True
    return False


def _import(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _publish(module: ModuleType, made: list[Group]) -> list[Call]:
    """Every object instance through the generated client's session: the runtime's verdict and reason."""
    client = module.EventClient(None, "Conformance", transport=bc_events.RecordingTransport())
    session = client.service_session("job-1")
    calls = []
    for group in made:
        topic = client.get_topic("conformance", group.entity, group.action)
        method = getattr(session, method_names(topic, "conformance")[0])
        for instance in group.instances:
            try:
                method(instance.data)
            except EventValidationError:
                keyword, path = _first_error(group.schema, instance.data)
                calls.append(Call(group, instance, False, keyword, path))
            else:
                calls.append(Call(group, instance, True))
        session.rollback()
    return calls


def _first_error(schema: Mapping[str, Any], data: Any) -> tuple[str, tuple[str, ...]]:
    validator = validator_class(schema)(dict(schema), validate_formats=False, retriever=refuse_retrieval)
    for error in validator.iter_errors(data):
        path = tuple(str(step) for step in error.schema_path if isinstance(step, str))
        return (path[-1] if path else ""), path
    return "", ()


def _write_usage(path: Path, module: str, calls: list[Call]) -> None:
    lines = [f"from {module} import EventClient", "", 'client = EventClient(None, "Conformance")']
    lines.append('with client.service_session("job-1") as session:')
    for call in calls:
        method = action_first_name(call.group.entity, call.group.action)
        lines.append(f"    session.{method}({call.instance.data!r})")
    path.write_text("\n".join([*lines, ""]), "utf-8")


def _mypy(folder: Path) -> dict[str, list[tuple[int, str]]]:
    flags = ("--strict", "--no-error-summary", "--show-error-codes", "--no-pretty", "--no-color-output")
    command = [str(BIN / "mypy"), *flags, "--config-file", "mypy.ini", "--cache-dir", ".mypy_cache", "."]
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
    if result.returncode not in (0, 1):
        raise RuntimeError(f"mypy failed to run:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    errors: dict[str, list[tuple[int, str]]] = {}
    for line in result.stdout.splitlines():
        file, number, kind, message = [*line.split(":", 3), "", "", ""][:4]
        if kind.strip() == "error":
            errors.setdefault(Path(file).name, []).append((int(number), message.strip()))
    return errors


def _pyright(folder: Path) -> dict[str, list[tuple[int, str]]]:
    config = folder / "pyrightconfig.json"
    config.write_text(json.dumps({"typeCheckingMode": "strict", "extraPaths": [str(folder)]}))
    command = [str(BIN / "pyright"), "--outputjson", "--pythonpath", sys.executable, "-p", str(config)]
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(
            f"pyright failed to run:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
        ) from None
    errors: dict[str, list[tuple[int, str]]] = {}
    for item in report["generalDiagnostics"]:
        if item["severity"] == "error":
            line = item["range"]["start"]["line"] + 1
            errors.setdefault(Path(item["file"]).name, []).append((line, item["message"]))
    return errors


def declared_keys(schema: Any) -> set[str]:
    """Every key some ``properties`` or ``required`` of ``schema`` names."""
    found: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for keyword in ("properties", "required"):
                value = node.get(keyword)
                found |= set(value) if isinstance(value, (dict, list)) else set()
            stack.extend(value for key, value in node.items() if key not in ("enum", "const", "examples"))
        elif isinstance(node, list):
            stack.extend(node)
    return {key for key in found if isinstance(key, str)}


def _keys(value: Any) -> set[str]:
    found: set[str] = set()
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found |= set(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found
