"""Types tested as types: mypy --strict and pyright on the example, and wrong usages that must fail.

Each ``typing_cases/<case>.py`` is one wrong use of ``generated_example/events_gen.py``;
``typing_cases/<case>.out`` holds the ``error:`` lines mypy --strict must report for it
(notes left out: they list every overload).  mypy runs once over the whole directory.
Refresh an expected file after a deliberate change with
    MYPYPATH=generated_example mypy --strict --hide-error-context --no-error-summary \\
        --show-error-codes tests/generator/typing_cases/<case>.py
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

import pytest
from generator_support import BIN, EXAMPLE, ROOT, run

CASES = Path(__file__).parent / "typing_cases"
CASE_FILES = sorted(CASES.glob("*.py"))
MYPY_FLAGS = ("--strict", "--warn-unused-ignores", "--no-error-summary", "--hide-error-context")
# What users with the strictest settings enable: @override required, and no needless ignores.
MYPY_FLAGS += ("--enable-error-code", "explicit-override", "--enable-error-code", "deprecated")
PYRIGHT_STRICTEST = {
    "typeCheckingMode": "strict",
    "reportImplicitOverride": "error",
    "reportUnnecessaryTypeIgnoreComment": "error",
}
MYPY_FLAGS += (
    "--show-error-codes",
    "--no-color-output",
    "--no-pretty",
    "--cache-dir",
    ".mypy_cache/generator-tests",
)


def _mypy(*paths: str | Path) -> tuple[int, str]:
    env = {**os.environ, "MYPYPATH": str(EXAMPLE)}
    result = run(BIN / "mypy", *MYPY_FLAGS, *paths, env=env)
    return result.returncode, result.stdout + result.stderr


def _pyright(*paths: str | Path) -> dict[str, object]:
    result = run(BIN / "pyright", "--outputjson", "--pythonpath", BIN / "python", *paths, cwd=EXAMPLE)
    report: dict[str, object] = json.loads(result.stdout)
    return report


def test_mypy_strict_passes_on_the_generated_module_and_app() -> None:
    status, output = _mypy(EXAMPLE / "events_gen.py", EXAMPLE / "app.py")
    assert status == 0, output


def test_pyright_strict_passes_on_the_generated_module_and_app(tmp_path: Path) -> None:
    # pyright's strict mode: what IDE users with the strictest settings see.
    config = tmp_path / "pyrightconfig.json"
    config.write_text(json.dumps({**PYRIGHT_STRICTEST, "extraPaths": [str(EXAMPLE)]}))
    result = run(
        BIN / "pyright",
        "--outputjson",
        "--pythonpath",
        BIN / "python",
        "-p",
        config,
        EXAMPLE / "events_gen.py",
        EXAMPLE / "app.py",
    )
    report = json.loads(result.stdout)
    assert report["summary"]["errorCount"] == 0, report["generalDiagnostics"]


@pytest.fixture(scope="module")
def mypy_on_cases() -> dict[str, list[str]]:
    _, output = _mypy(*CASE_FILES)
    errors: dict[str, list[str]] = defaultdict(list)
    for line in output.splitlines():
        path, _, rest = line.partition(":")
        if ": error: " in rest:
            errors[Path(path).name].append(f"{Path(path).name}:{rest}")
    return errors


@pytest.mark.parametrize("case", CASE_FILES, ids=lambda path: path.stem)
def test_wrong_usage_fails_mypy_with_the_expected_error(
    case: Path, mypy_on_cases: dict[str, list[str]]
) -> None:
    expected = case.with_suffix(".out").read_text(encoding="utf-8").splitlines()
    assert mypy_on_cases[case.name] == expected


def test_every_wrong_usage_fails_pyright_too() -> None:
    report = _pyright(*CASE_FILES)
    failing = {
        Path(str(item["file"])).name for item in report["generalDiagnostics"] if item["severity"] == "error"
    }  # type: ignore[attr-defined, index]
    assert failing == {case.name for case in CASE_FILES}


def test_expected_files_and_cases_match_one_to_one() -> None:
    assert sorted(path.stem for path in CASES.glob("*.out")) == [case.stem for case in CASE_FILES]
    assert ROOT in CASES.parents


def test_modules_with_no_topic_and_one_topic_type_check_and_are_black_clean(tmp_path: Path) -> None:
    # One topic means no @overload (a single overload is an error), so the [override] ignore moves.
    one = "  - {Action: Created, Entity: Test, Schema: {type: object, properties: {id: {type: string}}}}\n"
    for name, topics in (("zero_gen", " []\n"), ("one_gen", "\n" + one)):
        source = tmp_path / f"{name}.yaml"
        source.write_text(f"DefaultCategory: testing\nTopics:{topics}", encoding="utf-8")
        result = run(BIN / "bc-events-gen", source, "-o", tmp_path / f"{name}.py")
        assert result.returncode == 0, result.stderr
    modules = [tmp_path / "zero_gen.py", tmp_path / "one_gen.py"]
    status, output = _mypy(*modules)
    assert status == 0, output
    assert run(BIN / "black", "--check", *modules).returncode == 0
    (tmp_path / "pyrightconfig.json").write_text(json.dumps(PYRIGHT_STRICTEST))
    result = run(BIN / "pyright", "--pythonpath", BIN / "python", *modules, cwd=tmp_path)
    assert result.returncode == 0, result.stdout
