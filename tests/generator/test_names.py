"""Every name the generator writes is a legal, unreserved identifier; the class options are checked."""

from __future__ import annotations

import importlib.util
import keyword
import sys
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from generator_support import BIN, GENERATOR, run

from bc_events.generator.naming import class_name_problem, pascal_case


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("pull-request", "PullRequest"),
        ("htmlURL", "HtmlUrl"),
        ("+1", "T1"),
        ("", "T"),
        ("true", "True_"),
        ("false", "False_"),
        ("None", "None_"),
        ("Adresse_Übersicht", "AdresseÜbersicht"),
        ("Straße", "Straße"),
        ("日本", "日本"),
        ("ﬁle", "File"),  # NFKC, as Python reads identifiers
        ("x²", "X2"),
        ("٣abc", "T٣Abc"),  # a digit of another script cannot start a name either
    ],
)
def test_pascal_case(text: str, name: str) -> None:
    assert pascal_case(text) == name


@pytest.mark.parametrize("word", keyword.kwlist + keyword.softkwlist)
def test_no_keyword_becomes_a_reserved_name(word: str) -> None:
    name = pascal_case(word)
    assert name.isidentifier()
    assert not keyword.iskeyword(name)
    assert not keyword.issoftkeyword(name)
    assert pascal_case(name) == name  # names are hints of hints: stable when applied again


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("None", "keyword"),
        ("True", "keyword"),
        ("class", "keyword"),
        ("match", "keyword"),
        ("type", "keyword"),
        ("Any", "shadow"),
        ("TypedDict", "shadow"),
        ("Literal", "shadow"),
        ("str", "shadow"),
        ("super", "shadow"),
        ("bc_events", "shadow"),
        ("Exception", "shadow"),
        ("not valid", "not a Python identifier"),
        ("_Private", "public"),
        ("ﬁle", "form Python reads"),
    ],
)
def test_unusable_class_names(name: str, problem: str) -> None:
    message = class_name_problem(name)
    assert message is not None
    assert problem in message
    assert class_name_problem("PolicyEvents") is None
    assert class_name_problem("Événements") is None


GOOD = """
DefaultCategory: testing
Topics:
  - Action: Created
    Entity: Test
    Schema: {type: object, required: [id], properties: {id: {type: string}}}
"""


@pytest.mark.parametrize("option", ["--client-class", "--session-class"])
@pytest.mark.parametrize("name", ["None", "class", "Any", "TypedDict", "str", "Literal", "bc_events"])
def test_class_options_blame_the_option(
    option: str, name: str, topics_file: Callable[[str], Path], tmp_path: Path
) -> None:
    output = tmp_path / "events_gen.py"
    result = run(GENERATOR, topics_file(GOOD), option, name, "-o", output)
    assert result.returncode == 2, result.stdout
    assert "Traceback" not in result.stderr
    assert f"Invalid value for '{option}'" in result.stderr
    assert not output.exists()


def test_a_class_option_taken_by_a_payload_type_blames_the_option(
    topics_file: Callable[[str], Path],
) -> None:
    result = run(GENERATOR, topics_file(GOOD), "--session-class", "TestCreatedData")
    assert result.returncode == 2
    assert "Invalid value for '--session-class'" in result.stderr
    assert "'TestCreatedData' is the payload type of topic testing.TestCreated (line 3)" in result.stderr
    assert "rename the Entity" not in result.stderr


def _import(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


DEFINITION_NAMES = [
    "true",
    "false",
    "None",
    "class",
    "match",
    "Adresse_Übersicht",
    "Straße",
    "日本",
    "_",
    "TypeError",  # a builtin the module calls: the name goes to the topic-prefixed candidate
]


def test_definition_names_become_importable_classes(
    topics_file: Callable[[str], Path], tmp_path: Path
) -> None:
    definitions = "".join(
        f"        {name!r}: {{type: object, properties: {{n{index}: {{type: integer}}}}}}\n"
        for index, name in enumerate(DEFINITION_NAMES)
    )
    properties = "".join(
        f"        p{index}: {{$ref: '#/definitions/{_pointer(name)}'}}\n"
        for index, name in enumerate(DEFINITION_NAMES)
    )
    text = (
        "DefaultCategory: testing\nTopics:\n  - Action: Created\n    Entity: Test\n    Schema:\n"
        "      type: object\n      properties:\n" + properties + "      definitions:\n" + definitions
    )
    output = tmp_path / "names_gen.py"
    result = run(GENERATOR, topics_file(text), "-o", output)
    assert result.returncode == 0, result.stderr
    module = _import(output, "names_gen")
    fields = module.TestCreatedData.__annotations__
    names = [
        fields[f"p{index}"].__forward_arg__.removeprefix("NotRequired[").removesuffix("]")
        for index in range(len(DEFINITION_NAMES))
    ]
    assert names == [
        "True_",
        "False_",
        "None_",
        "Class",
        "Match",
        "AdresseÜbersicht",
        "Straße",
        "日本",
        "T",
        "TestCreatedTypeError",
    ]
    for name in names:
        assert getattr(module, name).__annotations__  # each one a TypedDict the module defines
    checked = run(BIN / "mypy", "--strict", "--no-error-summary", "--cache-dir", tmp_path / ".mypy", output)
    assert checked.returncode == 0, checked.stdout


def _pointer(name: str) -> str:
    return urllib.parse.quote(name, safe="")
