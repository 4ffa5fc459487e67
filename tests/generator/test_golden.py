"""The checked-in example is exactly what the generator produces, and is black-clean.

Refresh it after a deliberate generator change with (see generated_example/README.md):
    bc-events-gen generated_example/topics.yaml -o generated_example/events_gen.py
"""

from __future__ import annotations

import ast
import hashlib

from generator_support import BIN, EXAMPLE, ROOT, run

from bc_events import __version__
from bc_events.generator import generate, load_module_spec
from bc_events.generator.layout import is_black_form
from bc_events.generator.render import render_pieces

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


def test_the_module_is_made_of_small_pieces_most_already_in_black_form() -> None:
    """black is superlinear in its input: each declaration and each session member is its own piece.

    A stray blank line in the template once kept the whole session class (two methods
    and an overload per topic) in one piece: 9 s of 21 s on 1,000 topics.
    """
    module = load_module_spec(str(EXAMPLE / "topics.yaml"))
    rendered = render_pieces(module)
    declarations = [piece for piece in rendered.body if "_TOPIC_DEFINITIONS =" not in piece.text]
    largest = max(piece.text.count("\n") for piece in declarations)
    methods = sum(piece.text.lstrip().startswith("def ") for piece in rendered.body)
    assert methods >= 5  # one piece per topic method at least
    assert largest < 50, max(  # the client class, fixed in size, is the largest
        declarations, key=lambda piece: len(piece.text)
    ).text
    through_black = [piece for piece in rendered.body if not (piece.exact and is_black_form(piece.text))]
    assert len(through_black) <= len(rendered.body) // 4


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
