"""Session fixtures: the corpus, the generated modules, and one type-checker run per checker.

Generating the full corpus and type-checking the result are the slow steps, so
each happens once per session: ``bc-events-gen`` runs once per corpus file, and
mypy and pyright each run once over a folder holding the generated module, a
file per example payload (must pass) and a file per mutated payload (must fail).
Timings and catch rates go to the ``corpus`` section of pytest's summary.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from .locate import Corpus, find_corpus
from .typecheck import (
    CheckerReport,
    GeneratedModule,
    TypecheckFolder,
    run_mypy,
    run_pyright,
    write_typecheck_folder,
)

BIN = Path(sys.executable).parent
_REPORT = pytest.StashKey[list[str]]()
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_REPORT] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    lines = config.stash.get(_REPORT, [])
    if lines:
        terminalreporter.section("corpus")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def report(pytestconfig: pytest.Config) -> list[str]:
    """Lines for the ``corpus`` section of the test summary (timings, catch rates)."""
    return pytestconfig.stash[_REPORT]


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    found = find_corpus()
    if isinstance(found, str):
        pytest.skip(found)
    return found


@pytest.fixture(scope="session")
def full_schemas(corpus: Corpus) -> dict[tuple[str, str], dict[str, object]]:
    """(Entity, Action) -> Schema of every topic of the full corpus."""
    with corpus.full.open(encoding="utf-8") as stream:
        document = yaml.load(stream, Loader=_Loader)
    return {(topic["Entity"], topic["Action"]): topic["Schema"] for topic in document["Topics"]}


def generate(topics: Path, output: Path, **environment: str) -> GeneratedModule:
    """Run the ``bc-events-gen`` command as users do; fail the test with its stderr if it fails."""
    start = time.perf_counter()
    result = subprocess.run(
        [str(BIN / "bc-events-gen"), str(topics), "-o", str(output)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **environment},
    )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        pytest.fail(f"bc-events-gen {topics.name} exited {result.returncode}:\n{result.stderr[-5000:]}")
    return GeneratedModule(output, output.read_text("utf-8"), result.stderr, seconds)


@pytest.fixture(scope="session")
def full_module(
    corpus: Corpus, tmp_path_factory: pytest.TempPathFactory, report: list[str]
) -> GeneratedModule:
    """The module generated from the full corpus (github-webhooks.yaml), once per session."""
    module = generate(corpus.full, tmp_path_factory.mktemp("full") / "github_events.py")
    lines = module.source.count("\n")
    report.append(f"bc-events-gen on the full corpus: {module.seconds:.1f} s, {lines:,} lines")
    return module


@pytest.fixture(scope="session")
def small_module(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> GeneratedModule:
    """The module generated from the small corpus (github-webhooks-small.yaml)."""
    return generate(corpus.small, tmp_path_factory.mktemp("small") / "github_events.py", PYTHONHASHSEED="1")


@pytest.fixture(scope="session")
def typecheck_folder(
    corpus: Corpus,
    full_module: GeneratedModule,
    full_schemas: dict[tuple[str, str], dict[str, object]],
    tmp_path_factory: pytest.TempPathFactory,
) -> TypecheckFolder:
    """The generated module plus one file per payload and per mutated payload, in one folder."""
    return write_typecheck_folder(
        tmp_path_factory.mktemp("typecheck"), full_module, corpus.payloads(), full_schemas
    )


@pytest.fixture(scope="session")
def mypy_report(typecheck_folder: TypecheckFolder, report: list[str]) -> CheckerReport:
    """``mypy --strict`` over the whole folder, in one process."""
    result = run_mypy(typecheck_folder)
    report.append(f"mypy --strict over {typecheck_folder.file_count} files: {result.seconds:.1f} s")
    return result


@pytest.fixture(scope="session")
def pyright_report(typecheck_folder: TypecheckFolder, report: list[str]) -> CheckerReport:
    """``pyright`` over the whole folder, in one process."""
    result = run_pyright(typecheck_folder)
    report.append(f"pyright over {typecheck_folder.file_count} files: {result.seconds:.1f} s")
    return result
