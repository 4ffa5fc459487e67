"""The checked-in example is exactly what the generator produces, and is black-clean.

Refresh it after a deliberate generator change with (see generated_example/README.md):
    bc-events-gen generated_example/topics.yaml -o generated_example/events_gen.py
"""

from __future__ import annotations

import ast
import hashlib

import pytest
from generator_support import BIN, EXAMPLE, ROOT, run

from bc_events import __version__
from bc_events.generator import generate, render

ALLOWED_IMPORTS = {"__future__", "bc_events", "collections", "typing", "typing_extensions"}


def test_regenerating_the_example_gives_the_checked_in_bytes() -> None:
    expected = (EXAMPLE / "events_gen.py").read_bytes()
    assert generate(str(EXAMPLE / "topics.yaml"), warn=_no_warnings).encode() == expected


def test_the_cli_check_agrees() -> None:
    result = run(
        BIN / "bc-events-gen",
        "generated_example/topics.yaml",
        "-o",
        "generated_example/events_gen.py",
        "--check",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_black_on_the_example_is_a_no_op() -> None:
    result = run(BIN / "black", "--check", "--diff", "generated_example/events_gen.py")
    assert result.returncode == 0, result.stdout + result.stderr


def test_output_is_deterministic_and_carries_version_and_input_hash() -> None:
    first = generate(str(EXAMPLE / "topics.yaml"), warn=_no_warnings)
    assert generate(str(EXAMPLE / "topics.yaml"), warn=_no_warnings) == first
    digest = hashlib.sha256((EXAMPLE / "topics.yaml").read_bytes()).hexdigest()
    header = first.splitlines()[:3]
    assert f"bc-events-gen {__version__}" in header[0]
    assert "do not edit" in header[0]
    assert digest in header[1]


def test_the_module_imports_only_bc_events_and_typing() -> None:
    tree = ast.parse((EXAMPLE / "events_gen.py").read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported <= ALLOWED_IMPORTS


def test_the_generator_runs_from_any_directory(tmp_path: object) -> None:
    result = run(BIN / "python", "-m", "bc_events.generator", str(EXAMPLE / "topics.yaml"), cwd=ROOT.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (EXAMPLE / "events_gen.py").read_text(encoding="utf-8")


def _no_warnings(message: str) -> None:
    raise AssertionError(f"the example should generate without warnings: {message}")


def test_black_gets_the_module_in_small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """black is superlinear in its input: each declaration and each session member is its own piece.

    A stray blank line in the template once kept the whole session class (two methods
    and an overload per topic) in one piece: 9 s of 21 s on 1,000 topics.
    """
    rendered: list[str] = []
    split = render._split_for_black
    monkeypatch.setattr(render, "_split_for_black", lambda text: rendered.append(text) or split(text))
    generate(str(EXAMPLE / "topics.yaml"))
    pieces = [source for _, source in split(rendered[0])]
    assert "\n\n\n\n" not in rendered[0]
    largest = max(source.count("\n") for source in pieces)
    session_methods = sum(source.lstrip().startswith("def ") for source in pieces)
    assert session_methods >= 5  # one piece per topic method at least
    assert largest < 40, max(pieces, key=len)


def test_all_lists_every_public_name_the_module_declares() -> None:
    tree = ast.parse((EXAMPLE / "events_gen.py").read_text(encoding="utf-8"))
    declared = set()
    exported: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef) and not node.name.startswith("_"):
            declared.add(node.name)
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        for target in targets:
            if isinstance(target, ast.Name) and target.id == "__all__":
                exported = ast.literal_eval(node.value)  # type: ignore[union-attr]
            elif isinstance(target, ast.Name) and not target.id.startswith("_"):
                declared.add(target.id)
    assert exported == sorted(declared)
