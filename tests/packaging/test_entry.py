"""The console scripts' shim, in process: which import errors it explains and which it lets through."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bc_events import _entry


def _failing(name: str) -> Callable[[], Callable[[], object]]:
    def load() -> Callable[[], object]:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    return load


@pytest.mark.parametrize("missing", ["black", "click", "jinja2", "black.nodes", "jinja2.ext"])
def test_a_missing_generator_dependency_is_one_line_and_exit_2(
    missing: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        _entry._run("bc-events-gen", _failing(missing))
    assert exit_.value.code == 2
    assert capsys.readouterr() == (
        "",
        'bc-events-gen needs the generator extra: pip install "bc-events[generator]"\n',
    )


@pytest.mark.parametrize("missing", ["yaml", "blackjack", "bc_events.generator.nothing", ""])
def test_any_other_import_error_is_a_bug_and_shown_as_one(missing: str) -> None:
    with pytest.raises(ImportError) as error:
        _entry._run("bc-events-compat", _failing(missing))
    assert error.value.name == missing


def test_the_command_runs_when_it_imports() -> None:
    ran: list[str] = []
    _entry._run("bc-events-gen", lambda: lambda: ran.append("ran"))
    assert ran == ["ran"]


def test_the_entry_points_load_the_real_command_lines() -> None:
    from bc_events.compat.cli import main as compat
    from bc_events.generator.cli import main as generator

    assert (_entry._generator(), _entry._compat()) == (generator, compat)
