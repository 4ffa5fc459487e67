"""The arrows run one way: the delivery core imports no session, client, transport or I/O library."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import bc_events.delivery

PACKAGE = Path(bc_events.delivery.__file__).parent
MODULES = sorted(PACKAGE.glob("*.py"))

NEVER = {"bc_events", "bc_events.session", "bc_events.client", "bc_events.transport", "bc_events.pool"}
"""The package's __init__ and everything above delivery in the pipeline."""
IO = {"socket", "ssl", "threading", "time", "asyncio", "urllib3", "http", "selectors"}
"""What only a driver may use (sync.py: time, for sleep and the clock; aio.py: asyncio too)."""
DRIVER_IO = {"sync.py": {"time"}, "aio.py": {"asyncio", "time"}}


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: relative import"
            names.add(node.module or "")
            names.update(f"{node.module}.{alias.name}" for alias in node.names if node.module == "bc_events")
    return names


def test_every_module_is_checked() -> None:
    assert {path.name for path in MODULES} >= {"flow.py", "plan.py", "replies.py", "retry.py", "sync.py"}


@pytest.mark.parametrize("path", MODULES, ids=[path.name for path in MODULES])
def test_the_delivery_core_does_not_reach_back_up(path: Path) -> None:
    names = imported(path)
    assert not names & NEVER, f"{path.name} imports {sorted(names & NEVER)}"
    assert not any(
        name.startswith(("bc_events.transports", "bc_events.django", "bc_events.testing")) for name in names
    )


@pytest.mark.parametrize("path", MODULES, ids=[path.name for path in MODULES])
def test_only_drivers_do_io(path: Path) -> None:
    roots = {name.split(".")[0] for name in imported(path)}
    assert roots & IO <= DRIVER_IO.get(path.name, set()), f"{path.name} imports {sorted(roots & IO)}"


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from bc_events import EventClient\nimport urllib3.util\nfrom bc_events.session import X\n"
    )
    assert imported(bad) >= {"bc_events", "bc_events.EventClient", "urllib3.util", "bc_events.session"}


TRANSPORTS = sorted((PACKAGE.parent / "transports").glob("*.py"))


@pytest.mark.parametrize(
    "name",
    ["transport.py", "pool.py", "errors.py", "wire.py", "_version.py"]
    + [f"transports/{path.name}" for path in TRANSPORTS],
)
def test_the_transports_do_not_import_the_package_they_are_part_of(name: str) -> None:
    names = imported(PACKAGE.parent / name)
    assert not names & {"bc_events", "bc_events.session", "bc_events.client"}, sorted(names)
