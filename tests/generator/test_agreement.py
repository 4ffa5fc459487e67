"""What type-checks is what the runtime accepts: property-based, over whole topic files.

For every topic of ``generated_example/topics.yaml`` and of ``agreement_topics.yaml``
(the README's constructs, drafts 4 to 2020-12), hypothesis-jsonschema draws
payloads from the schema; the runtime validator is the judge.  Each payload it
accepts becomes a call that must type-check; each single mutation of one that it
rejects for a typed reason (a required key removed, a scalar of the wrong JSON
type, a string outside an enum) becomes a call that both checkers must reject.
Everything is written into one usage file per topic file, and mypy --strict and
pyright each run once over all of them.

Undeclared keys are the one documented difference (TypedDicts are closed: extra
keys are usually typos), so keys a schema declares nowhere are pruned from the
drawn payloads (and the payload is kept only if the runtime still accepts it); a key
declared for one object and drawn as an extra key of another is kept, so the topic
files avoid such look-alikes.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from generator_support import BIN, EXAMPLE, run
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from hypothesis_jsonschema import from_schema

from bc_events.errors import EventValidationError
from bc_events.generator.naming import method_names
from bc_events.topics import Topic, load_topic_definitions
from bc_events.validation import PayloadValidator

TOPIC_FILES = {
    "example": EXAMPLE / "topics.yaml",
    "constructs": Path(__file__).parent / "agreement_topics.yaml",
}
DRAWN_PER_TOPIC = 12
WRONG_TYPE = {str: 12345, int: "wrong", float: "wrong", bool: "wrong", type(None): "wrong"}


@dataclass
class Usage:
    """The calls of one usage file: source lines, and which must fail."""

    lines: list[str] = field(default_factory=list)
    must_fail: set[int] = field(default_factory=set)
    described: dict[int, str] = field(default_factory=dict)

    def call(self, method: str, payload: Any, fails: bool, what: str) -> None:
        self.lines.append(f"    session.{method}({payload!r})")
        number = len(self.lines)
        self.described[number] = what
        if fails:
            self.must_fail.add(number)


def _declared_keys(schema: Any) -> set[str]:
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


def _prune(value: Any, declared: set[str]) -> Any:
    if isinstance(value, dict):
        return {key: _prune(item, declared) for key, item in value.items() if key in declared}
    if isinstance(value, list):
        return [_prune(item, declared) for item in value]
    return value


def _inline_refs(node: Any, root: dict[str, Any], modern: bool, stack: tuple[str, ...] = ()) -> Any:
    """``node`` with every local ``$ref`` replaced by its target: hypothesis-jsonschema cannot recurse.

    A reference met a second time on one path becomes ``false`` (drawing fewer shapes
    is fine: the runtime still judges every payload).  From 2019-09 on, keywords beside
    ``$ref`` apply, as ``allOf``.
    """
    if isinstance(node, list):
        return [_inline_refs(item, root, modern, stack) for item in node]
    if not isinstance(node, dict):
        return node
    if isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if stack.count(ref) >= 2:
            return False
        target: Any = root
        for part in ref.partition("#")[2].split("/")[1:]:
            part = unquote(part).replace("~1", "/").replace("~0", "~")
            target = target[int(part)] if isinstance(target, list) else target[part]
        inlined = _inline_refs(target, root, modern, (*stack, ref))
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        if modern and siblings:
            return {"allOf": [inlined, _inline_refs(siblings, root, modern, stack)]}
        return inlined
    if "prefixItems" in node:  # hypothesis-jsonschema reads draft 7: positional items as a list
        prefix, rest = node["prefixItems"], node.get("items", True)
        node = {key: value for key, value in node.items() if key not in ("prefixItems", "items")}
        node.update({"items": prefix, "additionalItems": rest})
    return {
        key: value
        if key in ("enum", "const", "examples", "default")
        else _inline_refs(value, root, modern, stack)
        for key, value in node.items()
        if key not in ("definitions", "$defs", "$schema", "$anchor", "$id")
    }


def _draw(topic: Topic) -> list[Any]:
    modern = any(draft in str(topic.schema.get("$schema", "")) for draft in ("2019-09", "2020-12"))
    schema = _inline_refs(dict(topic.schema), dict(topic.schema), modern)
    drawn: list[Any] = []

    @settings(
        max_examples=DRAWN_PER_TOPIC * 3,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(from_schema(schema))
    def collect(value: Any) -> None:
        drawn.append(value)

    try:
        collect()
    except Unsatisfiable:
        pytest.fail(f"{topic.name}: hypothesis-jsonschema draws nothing from {schema!r}")
    return drawn


def _accepts(validator: PayloadValidator, payload: Any) -> bool:
    try:
        validator.validate(payload)
    except EventValidationError:
        return False
    return True


def _places(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every (path, value) below a dict key, depth first (list items are passed through)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key), item
            yield from _places(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _places(item, (*path, index))


def _mutants(payload: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Single mutations of ``payload``: each key removed, each scalar of another type, enum strings."""
    for path, value in _places(payload):
        removed = copy.deepcopy(payload)
        parent = removed
        for step in path[:-1]:
            parent = parent[step]
        del parent[path[-1]]
        yield f"{'/'.join(map(str, path))} removed", removed
        if isinstance(value, (str, int, float, bool)) or value is None:
            changed = copy.deepcopy(payload)
            parent = changed
            for step in path[:-1]:
                parent = parent[step]
            parent[path[-1]] = WRONG_TYPE[type(value)]
            yield f"{'/'.join(map(str, path))}: {value!r} -> {WRONG_TYPE[type(value)]!r}", changed
            if value is not None:
                parent[path[-1]] = None
                yield f"{'/'.join(map(str, path))}: {value!r} -> None", copy.deepcopy(changed)
            if isinstance(value, str):  # kept only where the runtime says "is not one of" (an enum)
                parent[path[-1]] = "not-a-value-of-the-enum"
                yield f"{'/'.join(map(str, path))}: {value!r} outside the enum", copy.deepcopy(changed)


def _usage_for(path: Path, module: str) -> Usage:
    definitions = load_topic_definitions(str(path))
    usage = Usage()
    for topic in definitions.topics:
        method = method_names(topic, definitions.default_category)[0]
        validator = PayloadValidator(topic)
        declared = _declared_keys(topic.schema)
        accepted = []
        for value in _draw(topic):
            pruned = _prune(value, declared)
            if isinstance(pruned, dict) and _accepts(validator, pruned) and pruned not in accepted:
                accepted.append(pruned)
        assert accepted, f"{topic.name}: no payload drawn that the runtime accepts"
        for payload in accepted[:DRAWN_PER_TOPIC]:
            usage.call(method, payload, fails=False, what=f"{topic.name}: accepted")
            for what, mutant in _mutants(payload):
                if not _accepts(validator, mutant) and _rejected_for_a_typed_reason(validator, mutant):
                    usage.call(method, mutant, fails=True, what=f"{topic.name}: {what}")
    return usage


def _rejected_for_a_typed_reason(validator: PayloadValidator, mutant: Any) -> bool:
    try:
        validator.validate(mutant)
    except EventValidationError as error:
        message = str(error)
        reasons = ("is a required property", "is not of type", "is not one of", "was expected")
        return any(reason in message for reason in reasons)
    return False


@dataclass
class Agreement:
    usages: dict[str, Usage]
    mypy: dict[str, set[int]]
    pyright: dict[str, set[int]]


@pytest.fixture(scope="module")
def agreement(tmp_path_factory: pytest.TempPathFactory) -> Agreement:
    folder = tmp_path_factory.mktemp("agreement")
    usages, files = {}, []
    for name, path in TOPIC_FILES.items():
        result = run(BIN / "bc-events-gen", path, "-o", folder / f"{name}_gen.py")
        assert result.returncode == 0, result.stderr
        usage = usages[name] = _usage_for(path, f"{name}_gen")
        header = [f"from {name}_gen import EventClient", "", 'client = EventClient(None, "Agreement")']
        header.append('with client.service_session("job-1") as session:')
        (folder / f"{name}_use.py").write_text("\n".join([*header, *usage.lines, ""]), encoding="utf-8")
        files += [folder / f"{name}_gen.py", folder / f"{name}_use.py"]
    offset = 4  # header lines before the first call
    env = {**os.environ, "MYPYPATH": str(folder)}
    flags = ("--strict", "--no-error-summary", "--show-error-codes", "--no-pretty", "--no-color-output")
    mypy = run(BIN / "mypy", *flags, "--cache-dir", folder / ".mypy_cache", *files, cwd=folder, env=env)
    mypy_errors: dict[str, set[int]] = {name: set() for name in TOPIC_FILES}
    for line in mypy.stdout.splitlines():
        file, number, kind = [*line.split(":", 3), "", "", ""][:3]
        if file.endswith("_use.py") and "error" in kind:
            mypy_errors[Path(file).name.removesuffix("_use.py")].add(int(number) - offset)
        assert not file.endswith("_gen.py"), line
    config = folder / "pyrightconfig.json"
    config.write_text(json.dumps({"typeCheckingMode": "strict", "extraPaths": [str(folder)]}))
    pyright = run(BIN / "pyright", "--outputjson", "--pythonpath", BIN / "python", "-p", config, *files)
    report = json.loads(pyright.stdout)
    pyright_errors: dict[str, set[int]] = {name: set() for name in TOPIC_FILES}
    for item in report["generalDiagnostics"]:
        if item["severity"] == "error":
            name = Path(item["file"]).name
            assert name.endswith("_use.py"), item
            pyright_errors[name.removesuffix("_use.py")].add(item["range"]["start"]["line"] + 1 - offset)
    shutil.rmtree(folder / ".mypy_cache", ignore_errors=True)
    return Agreement(usages, mypy_errors, pyright_errors)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TOPIC_FILES))
@pytest.mark.parametrize("checker", ["mypy", "pyright"])
def test_payloads_the_runtime_accepts_type_check(name: str, checker: str, agreement: Agreement) -> None:
    usage = agreement.usages[name]
    errors = getattr(agreement, checker)[name]
    false_positives = sorted(number for number in errors if number not in usage.must_fail)
    assert [(usage.described[n], usage.lines[n - 1]) for n in false_positives] == []
    assert len(usage.lines) - len(usage.must_fail) >= 10


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TOPIC_FILES))
@pytest.mark.parametrize("checker", ["mypy", "pyright"])
def test_payloads_the_runtime_rejects_for_a_typed_reason_fail_to_type_check(
    name: str, checker: str, agreement: Agreement
) -> None:
    usage = agreement.usages[name]
    errors = getattr(agreement, checker)[name]
    missed = sorted(usage.must_fail - errors)
    assert [(usage.described[n], usage.lines[n - 1]) for n in missed] == []
    assert len(usage.must_fail) >= 10
    print(
        f"{name}: {len(usage.lines) - len(usage.must_fail)} accepted payloads, {len(usage.must_fail)} mutants"
    )
