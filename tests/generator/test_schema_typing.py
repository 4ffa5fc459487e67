"""Schema constructs checked as types: generate, then run mypy --strict and pyright on module and usage.

Each ``schema_cases/<case>.yaml`` is a topic file; the test generates ``<case>_gen.py``
from it and copies ``<case>_use.py`` (which imports that module) next to it.  Both
checkers must accept the generated module, and must report an error on exactly the
statements of the usage file that carry a ``# E`` comment (a payload the runtime rejects) and on
no other line (a payload the runtime accepts).  The expected error is on the
offending line, as in typeshed's test cases (``# E (closed)``: an undeclared key,
which the runtime accepts and TypedDicts reject by design), so checker upgrades that reword a
message change nothing here.  All cases share one mypy run and one pyright run.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest
from generator_support import BIN, run

from bc_events.errors import EventValidationError
from bc_events.generator.naming import method_names
from bc_events.topics import load_topic_definitions
from bc_events.validation import PayloadValidator

CASES = Path(__file__).parent / "schema_cases"
CLOSED = ("# E (closed)", "# E (deprecated)")
"""Errors on payloads the runtime accepts: an undeclared key (TypedDicts are closed by design),
a call of a topic whose schema says ``deprecated: true``."""
CASE_NAMES = sorted(path.stem for path in CASES.glob("*.yaml"))
MYPY_FLAGS = ("--strict", "--no-error-summary", "--hide-error-context", "--show-error-codes")
MYPY_FLAGS += ("--no-color-output", "--no-pretty", "--cache-dir", ".mypy_cache/schema-cases")
MYPY_FLAGS += ("--enable-error-code", "deprecated", "--enable-error-code", "explicit-override")


@dataclass
class Checked:
    """Error lines (1-based) per file name, for each checker; generation problems per case."""

    mypy: dict[str, set[int]]
    pyright: dict[str, set[int]]
    raw: str


def statement_lines(path: Path) -> dict[int, int]:
    """Each line of a simple statement -> the statement's first line (a call may span lines)."""
    found = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.Expr, ast.Assign, ast.AnnAssign, ast.ImportFrom)):
            found.update(dict.fromkeys(range(node.lineno, (node.end_lineno or node.lineno) + 1), node.lineno))
    return found


def expected_lines(path: Path, mark: tuple[str, ...] = ("# E", *CLOSED)) -> set[int]:
    """First lines of the statements that carry a ``# E`` comment (or ``# E (closed)``)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    statements = statement_lines(path)
    return {statements[number] for number, line in enumerate(lines, 1) if line.rstrip().endswith(mark)}


def reported(errors: set[int], path: Path) -> set[int]:
    statements = statement_lines(path)
    return {statements.get(line, line) for line in errors}


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> Checked:
    folder = tmp_path_factory.mktemp("schema_cases")
    files = []
    for name in CASE_NAMES:
        module = folder / f"{name}_gen.py"
        result = run(BIN / "bc-events-gen", CASES / f"{name}.yaml", "-o", module)
        assert result.returncode == 0, result.stderr
        usage = folder / f"{name}_use.py"
        shutil.copy(CASES / f"{name}_use.py", usage)
        files += [module, usage]
    mypy = run(BIN / "mypy", *MYPY_FLAGS, *files, cwd=folder, env={**os.environ, "MYPYPATH": str(folder)})
    mypy_errors: dict[str, set[int]] = defaultdict(set)
    for line in mypy.stdout.splitlines():
        path, _, rest = line.partition(":")
        number, _, message = rest.partition(":")
        if message.lstrip().startswith("error:"):
            mypy_errors[Path(path).name].add(int(number))
    config = folder / "pyrightconfig.json"
    strictest = {"reportDeprecated": "error", "reportImplicitOverride": "error"}
    config.write_text(json.dumps({"typeCheckingMode": "strict", **strictest, "extraPaths": [str(folder)]}))
    result = run(BIN / "pyright", "--outputjson", "--pythonpath", BIN / "python", "-p", config, *files)
    report = json.loads(result.stdout)
    pyright_errors: dict[str, set[int]] = defaultdict(set)
    for item in report["generalDiagnostics"]:
        if item["severity"] == "error":
            pyright_errors[Path(item["file"]).name].add(item["range"]["start"]["line"] + 1)
    pyright_text = "\n".join(
        f"{Path(item['file']).name}:{item['range']['start']['line'] + 1}: {item['message']}"
        for item in report["generalDiagnostics"]
    )
    return Checked(mypy_errors, pyright_errors, mypy.stdout + pyright_text)


@pytest.mark.parametrize("case", CASE_NAMES)
def test_generated_module_passes_both_checkers(case: str, checked: Checked) -> None:
    assert checked.mypy[f"{case}_gen.py"] == set(), checked.raw
    assert checked.pyright[f"{case}_gen.py"] == set(), checked.raw


@pytest.mark.parametrize("case", CASE_NAMES)
def test_checkers_flag_exactly_the_payloads_the_runtime_rejects(case: str, checked: Checked) -> None:
    expected = expected_lines(CASES / f"{case}_use.py")
    assert expected, "a case shows at least one payload the types must reject"
    usage = CASES / f"{case}_use.py"
    assert reported(checked.mypy[f"{case}_use.py"], usage) == expected, checked.raw
    assert reported(checked.pyright[f"{case}_use.py"], usage) == expected, checked.raw


@pytest.mark.parametrize("case", CASE_NAMES)
def test_the_runtime_agrees_with_the_marks(case: str) -> None:
    """Every literal payload of a usage file: rejected at run time exactly where it is marked ``# E``."""
    definitions = load_topic_definitions(str(CASES / f"{case}.yaml"))
    by_method = {}
    for topic in definitions.topics:
        for name in method_names(topic, definitions.default_category):
            by_method[name] = PayloadValidator(topic)
    expected = expected_lines(CASES / f"{case}_use.py", ("# E",))
    closed = expected_lines(CASES / f"{case}_use.py", CLOSED)
    statements = statement_lines(CASES / f"{case}_use.py")
    calls = 0
    for node in ast.walk(ast.parse((CASES / f"{case}_use.py").read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        validator = by_method.get(node.func.attr)
        if validator is None or len(node.args) != 1:
            continue
        try:
            payload = ast.literal_eval(node.args[0])
        except ValueError:
            continue  # a payload built from variables: the checkers' business only
        if not isinstance(payload, dict):
            continue  # not event data at all: ``publish(data: Mapping[str, Any])`` says so
        calls += 1
        try:
            validator.validate(payload)
        except EventValidationError:
            assert statements[node.lineno] in expected, (
                f"line {node.lineno}: the runtime rejects it, the types accept it"
            )
        else:
            assert statements[node.lineno] not in expected - closed, (
                f"line {node.lineno}: the runtime accepts it"
            )
    assert calls
