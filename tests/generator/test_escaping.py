"""Nothing from the YAML can break or inject into the generated code: one escaping function, hostile input."""

from __future__ import annotations

import ast
import importlib.util
import sys
import typing
from pathlib import Path

import black
import pytest
import yaml
from generator_support import BIN, run

from bc_events.generator import generate
from bc_events.generator.escaping import py_literal
from bc_events.generator.layout import black_mode

HOSTILE = [
    "plain",
    "it's",
    'say "hi"',
    "both ' and \"",
    '"""',
    "'''",
    'ends with a quote"',
    "ends with a backslash\\",
    "back\\slash \\n not a newline",
    "real\nnewline and \r carriage return",
    "{{ jinja }} {% block %} {# comment #}",
    "\x00 nul \x1b escape \u2028 line separator \ufeff bom",
    "non-ASCII: Prämie 保険 🚗",
    "'); import os; os.system('echo pwned') #",
    '""" + __import__("os").system("echo pwned") + """',
    "\\",
    "",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_py_literal_round_trips_and_survives_black(text: str) -> None:
    literal = py_literal(text)
    assert ast.literal_eval(literal) == text
    source = f"class A:\n    {literal}\n\n    x: int\n    {literal}\n\n\nY = {literal}\n"
    compiled = ast.parse(source)
    assert ast.literal_eval(compiled.body[1].value) == text  # type: ignore[attr-defined]
    formatted = black.format_str(source, mode=black_mode())
    assert formatted.endswith(f"Y = {literal}\n")  # black keeps the quotes py_literal chose
    # As a docstring black may add a space before closing quotes or strip whitespace: text only.
    docstring = ast.get_docstring(ast.parse(formatted).body[0], clean=False)  # type: ignore[arg-type]
    assert (docstring or "").strip() == text.strip()


def test_hostile_yaml_gives_a_module_that_imports_type_checks_and_keeps_every_text(tmp_path: Path) -> None:
    description = "\n".join(HOSTILE[1:-1]).strip()
    enum_values = [text for text in HOSTILE if text]
    keys = ['a"b', "c'd", "e\\f", "g\nh", "{{i}}", "-->", "ü", "é", "class", "__init__"]
    schema = {
        "type": "object",
        "description": description,
        "required": ["x"],
        "properties": {
            "x": {"enum": enum_values, "description": description},
            "y": {"$ref": "#/definitions/%27%29%3B%20import%20os%20%23"},
            **{key: {"type": "string", "description": key} for key in keys},
        },
        "definitions": {"'); import os #": {"type": "object", "description": description, "properties": {}}},
    }
    topics = {
        "DefaultCategory": "testing",
        "Topics": [{"Action": "Created", "Entity": "Test", "Description": description, "Schema": schema}],
    }
    path = tmp_path / "topics.yaml"
    path.write_text(yaml.safe_dump(topics, allow_unicode=True, sort_keys=False), encoding="utf-8")
    text = generate(str(path), warn=lambda message: None)
    output = tmp_path / "hostile_gen.py"
    output.write_text(text, encoding="utf-8")

    assert black.format_str(text, mode=black_mode()) == text
    spec = importlib.util.spec_from_file_location("hostile_gen", output)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["hostile_gen"] = module
    try:
        spec.loader.exec_module(module)
        data_type = module.TestCreatedData
        hints = typing.get_type_hints(data_type)
        assert list(hints) == ["x", "y", *keys]
        assert typing.get_args(hints["x"]) == tuple(enum_values)
        assert module.EventSession.created_test.__doc__ == f"Publish testing.TestCreated: {description}"
        assert module.EventClient(None, "svc").topic_table["testing.TestCreated"].schema == schema
    finally:
        del sys.modules["hostile_gen"]
    result = run(BIN / "mypy", "--strict", "--no-error-summary", output, cwd=tmp_path)
    assert result.returncode == 0, result.stdout
