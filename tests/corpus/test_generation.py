"""bc-events-gen on the GitHub webhooks corpus: it generates, imports, is black-clean and type-checks."""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import bc_events
from bc_events.naming import action_first_name, entity_first_name

from .conftest import BIN, generate
from .locate import Corpus
from .typecheck import CheckerReport, GeneratedModule, TypecheckFolder

_WARNING = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+): topic (?P<topic>\S+): warning: (?P<pointer>Schema\S*): (?P<message>.*)$"
)


def import_module(module: GeneratedModule) -> ModuleType:
    name = f"_corpus_{module.path.parent.name}_{module.path.stem}"
    spec = importlib.util.spec_from_file_location(name, module.path)
    assert spec is not None
    assert spec.loader is not None
    imported = importlib.util.module_from_spec(spec)
    sys.modules[name] = imported
    spec.loader.exec_module(imported)
    return imported


def typed_dict_names(source: str) -> list[str]:
    """Names of the TypedDicts a module defines, class syntax and functional syntax alike."""
    names = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef) and any(
            ast.unparse(base).endswith("TypedDict") for base in node.bases
        ):
            names.append(node.name)
        elif (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and ast.unparse(node.value.func).endswith("TypedDict")
        ):
            names.extend(ast.unparse(target) for target in node.targets)
    return names


def test_full_corpus_generates_a_module_that_imports(
    full_module: GeneratedModule, full_schemas: dict[tuple[str, str], Any]
) -> None:
    module = import_module(full_module)
    assert issubclass(module.EventSession, bc_events.EventSession)
    assert issubclass(module.EventClient, bc_events.EventClient)
    client = module.EventClient(None, "CorpusTest", transport=bc_events.RecordingTransport())
    assert len(client.topic_table) == len(full_schemas) == 224
    missing = [
        name
        for entity, action in full_schemas
        for name in (action_first_name(entity, action), entity_first_name(entity, action))
        if not callable(getattr(module.EventSession, name, None))
    ]
    assert missing == []
    assert isinstance(client.service_session("job-1"), module.EventSession)


def test_full_module_is_black_clean(full_module: GeneratedModule) -> None:
    result = subprocess.run(
        [str(BIN / "black"), "--check", "--diff", "--quiet", full_module.path.name],
        cwd=full_module.path.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    changed = [line[:160] for line in result.stdout.splitlines() if line[:1] in "+-"]
    assert result.returncode == 0, "black would change:\n" + "\n".join(changed[:40]) + result.stderr[:2000]


def test_full_module_passes_mypy_strict(
    mypy_report: CheckerReport, typecheck_folder: TypecheckFolder
) -> None:
    assert mypy_report.errors_in(typecheck_folder.module_file) == []


def test_full_module_passes_pyright(pyright_report: CheckerReport, typecheck_folder: TypecheckFolder) -> None:
    assert pyright_report.errors_in(typecheck_folder.module_file) == []


def test_shared_definitions_become_one_type_each(
    full_module: GeneratedModule, full_schemas: dict[tuple[str, str], Any], report: list[str]
) -> None:
    """1,652 copies of 67 definitions: each object definition is one TypedDict, named after it."""
    names = typed_dict_names(full_module.source)
    assert len(names) == len(set(names)), "a TypedDict name is defined twice"
    copies: Counter[str] = Counter()
    contents: dict[str, set[str]] = {}
    objects_with_properties = 0
    for schema in full_schemas.values():
        objects_with_properties += _count_objects(schema)
        for name, definition in schema.get("definitions", {}).items():
            copies[name] += 1
            contents.setdefault(name, set()).add(json.dumps(definition, sort_keys=True))
    assert sum(copies.values()) == 1652
    assert len(copies) == 67
    assert all(len(versions) == 1 for versions in contents.values()), "copies of a definition differ"
    object_definitions = sorted(
        name for name, versions in contents.items() if "properties" in json.loads(next(iter(versions)))
    )
    # A definition used only as an allOf member has no type of its own: the merges have.
    used_alone = set().union(*(_direct_refs(schema) for schema in full_schemas.values()))
    assert [name for name in object_definitions if name in used_alone and name not in names] == []
    # A type per copy would make at least one per topic plus one per copy of an object definition
    # (224 + 1,567); sharing identical shapes leaves about a quarter of the 2,659 object schemas.
    shared_copies = sum(copies[name] for name in object_definitions)
    unshared = len(full_schemas) + shared_copies
    bound = len(full_schemas) + objects_with_properties // 4
    assert bound < unshared
    report.append(
        f"TypedDicts: {len(names)} (bound {bound}; a type per copy would be >= {unshared}); "
        f"{len(object_definitions)} object definitions in {shared_copies} copies"
    )
    assert len(names) < bound
    # Each definition and topic payload is a type of its own name (never another's look-alike);
    # identical inline objects at one path share a class: within 10% of the 528 structural sharing gave.
    assert len(names) <= 580


def _direct_refs(schema: Any) -> set[str]:
    """Definitions referenced other than as a member of an ``allOf``."""
    found: set[str] = set()
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            found.add(ref.rsplit("/", 1)[-1])
        for key, value in schema.items():
            if key == "allOf":
                for member in value:
                    found |= set().union(*(_direct_refs(v) for k, v in member.items() if k != "$ref"))
            elif key not in ("enum", "const", "default", "examples"):
                found |= _direct_refs(value)
    elif isinstance(schema, list):
        for item in schema:
            found |= _direct_refs(item)
    return found


def _count_objects(schema: Any) -> int:
    if isinstance(schema, dict):
        own = 1 if isinstance(schema.get("properties"), dict) else 0
        return own + sum(
            _count_objects(value)
            for key, value in schema.items()
            if key not in ("enum", "const", "default", "examples")
        )
    if isinstance(schema, list):
        return sum(_count_objects(item) for item in schema)
    return 0


def test_generation_is_deterministic(corpus: Corpus, small_module: GeneratedModule, tmp_path: Path) -> None:
    """Two runs under different hash seeds give the same bytes (small corpus: the full one is slow)."""
    again = generate(corpus.small, tmp_path / "github_events.py", PYTHONHASHSEED="4242")
    assert again.source == small_module.source
    assert again.stderr == small_module.stderr


def test_warnings_name_each_inexact_construct_once(
    full_module: GeneratedModule, full_schemas: dict[tuple[str, str], Any], report: list[str]
) -> None:
    """A construct in a definition copied into 200 topics is warned about once, not 200 times."""
    lines = [line for line in full_module.stderr.splitlines() if line.strip()]
    assert len(lines) == len(set(lines)), "repeated warning lines"
    topics = {f"github.{entity}{action}": (entity, action) for entity, action in full_schemas}
    seen: dict[tuple[str, str], str] = {}
    for line in lines:
        match = _WARNING.match(line)
        assert match, f"not a warning line: {line}"
        schema = full_schemas[topics[match["topic"]]]
        construct = json.dumps(_resolve(schema, match["pointer"]), sort_keys=True)
        key = (construct, match["message"])
        assert key not in seen, f"the same construct warned twice:\n{seen[key]}\n{line}"
        seen[key] = line
    report.append(f"generator warnings on the full corpus: {len(lines)}")
    for line in lines:
        report.append(f"  {line.split(': ', 1)[1]}")


def _resolve(schema: Any, pointer: str) -> Any:
    """The part of ``schema`` a warning's ``Schema/a/b`` pointer names (~1 and ~0 unescaped)."""
    node = schema
    for raw in pointer.split("/")[1:]:
        step = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(step)] if isinstance(node, list) else node[step]
    return node
