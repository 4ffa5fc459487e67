"""The official JSON-Schema-Test-Suite through the generator, the type checkers and the runtime.

Every group whose schema can be a topic becomes one (drafts 4, 6, 7, 2019-09,
2020-12: one module per draft); each object instance is one call of its
topic's method, type-checked by mypy --strict and pyright, and published
through the runtime, which is the judge.  Asserted: no crash, no error in a
generated module, every group generates unless the runtime refuses it too,
no instance the runtime accepts is rejected by a checker except for the
documented undeclared-key limit.  The typed rejections caught are printed:
they measure how much of the schema the types say.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from .run import TYPED, Call, Results, run_suite
from .suite import find_suite


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Results:
    suite = find_suite()
    if isinstance(suite, str):
        pytest.skip(suite)
    return run_suite(suite, tmp_path_factory.mktemp("conformance"))


def _show(call: Call) -> str:
    errors = "; ".join(f"{checker}: {messages[0][:140]}" for checker, messages in call.errors.items())
    return f"{call.group.where}: {call.instance.description}: {call.instance.data!r} -> {errors}"


EXPRESSIBLE = frozenset({"properties", "required", "items", "prefixItems", "$ref", "allOf", *TYPED})
"""Keywords on the way to a failure that a TypedDict can say (the names under properties aside)."""


def _expressible(call: Call) -> bool:
    path = call.path
    named = ("properties", "definitions", "$defs")
    keywords = {step for index, step in enumerate(path) if index == 0 or path[index - 1] not in named}
    return bool(path) and path[0] not in TYPED and keywords <= EXPRESSIBLE | {"definitions", "$defs"}


@pytest.mark.slow
def test_no_group_crashes_the_generator(results: Results) -> None:
    assert [f"{group.where}\n{trace}" for group, trace in results.crashes] == []


@pytest.mark.slow
def test_every_usable_group_generates_unless_the_runtime_refuses_it(results: Results) -> None:
    assert [f"{group.where}: {message}" for group, message, both in results.refused if not both] == []


@pytest.mark.slow
def test_generated_modules_type_check(results: Results) -> None:
    assert results.module_errors == []


@pytest.mark.slow
def test_instances_the_runtime_accepts_type_check(results: Results) -> None:
    wrong = [call for call in results.calls if call.accepted and call.errors and not call.undeclared_key]
    assert [_show(call) for call in wrong] == []


@pytest.mark.slow
def test_figures(results: Results, capsys: pytest.CaptureFixture[str]) -> None:
    """The figures of the run, printed (``-s`` or the captured output of a failure shows them)."""
    accepted = [call for call in results.calls if call.accepted]
    limit = [call for call in accepted if call.errors and call.undeclared_key]
    typed = [call for call in results.calls if not call.accepted and call.keyword in TYPED]
    both = [call for call in typed if call.rejected_by("mypy") and call.rejected_by("pyright")]
    uncaught = Counter("/".join(call.path) for call in typed if call not in both)
    lines = [
        "JSON-Schema-Test-Suite (drafts 4, 6, 7, 2019-09, 2020-12)",
        f"groups: {sum(results.total.values())}, usable as topics: {sum(results.usable.values())}"
        f" ({', '.join(f'{draft} {count}' for draft, count in results.usable.items())})",
        f"generated: {len(results.generated)}; refused: {len(results.refused)} "
        f"({sum(both for *_, both in results.refused)} refused by the runtime too); "
        f"crashes: {len(results.crashes)}; module errors: {len(results.module_errors)}",
        f"object instances: {len(results.calls)}; the runtime accepts {len(accepted)}",
        f"false positives: {sum(1 for call in accepted if call.errors) - len(limit)} "
        f"(+ {len(limit)} under the documented undeclared-key limit)",
        f"typed rejections ({', '.join(sorted(TYPED))}) caught by both checkers: {len(both)} of {len(typed)}"
        f" (mypy {sum(call.rejected_by('mypy') for call in typed)},"
        f" pyright {sum(call.rejected_by('pyright') for call in typed)})",
        "uncaught typed rejections by schema path:",
        *(f"  {count:4}  {path}" for path, count in uncaught.most_common()),
        "uncaught under keywords a TypedDict can express:",
        *(f"  {_show(call)}" for call in typed if call not in both and _expressible(call)),
        f"warnings: {results.warnings}",
    ]
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    Path(results.folder, "figures.txt").write_text("\n".join(lines) + "\n", "utf-8")
    assert results.generated
