"""The harness's own helpers: locating the corpus, and writing payloads as Python literals."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from .literals import call_module, python_literal
from .locate import DEFAULT_CORPUS_ROOT, ENV_VAR, Corpus, find_corpus

HOSTILE_STRINGS = [
    "",
    "'",
    '"',
    "'''",
    '"""',
    "\\",
    "\\'",
    "back\\slash\nnew line\ttab\r",
    "{{ template }} {% block %}",
    "# not a comment",
    "\x00\x1f\x7f",
    "non-ASCII: é ü 漢字 🚀",
    "\ud83d lone surrogate",
    "x" * 500,
    "); import os; os.system('true')  #",
]


@pytest.mark.parametrize("text", HOSTILE_STRINGS)
def test_string_literals_round_trip(text: str) -> None:
    assert ast.literal_eval(python_literal(text)) == text
    assert ast.literal_eval(python_literal({text: [text]})) == {text: [text]}


def test_documents_round_trip_with_types_and_key_order() -> None:
    document: Any = {
        "+1": 0,
        "-1": -3,
        "from": None,
        "t": True,
        "f": False,
        "score": 1.5,
        "big": 10**30,
        "nested": [{"z": 1, "a": [[], {}]}, "s"],
    }
    value = ast.literal_eval(python_literal(document))
    assert json.dumps(value) == json.dumps(document)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), {1: "x"}, (1, 2), b"x"])
def test_non_json_values_are_refused(value: Any) -> None:
    with pytest.raises(ValueError, match="not a JSON"):
        python_literal({"k": value})


def test_call_module_is_valid_python_passing_the_literal() -> None:
    payload = {"action": "opened", "text": "'''\n\"\"\"", "items": [{"a": 1}] * 30}
    source = call_module("events_gen", "opened_issues", payload, "payload Issues.Opened.json\nline two")
    tree = ast.parse(source)
    assert source.startswith(
        "# payload Issues.Opened.json\n# line two\nfrom events_gen import EventSession\n"
    )
    call = tree.body[1].body[0].value  # type: ignore[attr-defined]
    assert ast.unparse(call.func) == "session.opened_issues"
    assert ast.literal_eval(call.args[0]) == payload


def test_corpus_env_var_may_name_the_corpus_root_or_the_corpus_itself(tmp_path: Path) -> None:
    folder = tmp_path / "github-webhooks"
    (folder / "payloads").mkdir(parents=True)
    for name in ("github-webhooks.yaml", "github-webhooks-small.yaml", "payloads/MANIFEST.json"):
        (folder / name).write_text("{}")
    assert find_corpus({ENV_VAR: str(tmp_path)}) == Corpus(folder)
    assert find_corpus({ENV_VAR: str(folder)}) == Corpus(folder)


def test_missing_corpus_gives_a_reason_naming_where_it_looked(tmp_path: Path) -> None:
    reason = find_corpus({ENV_VAR: str(tmp_path / "nowhere")})
    assert isinstance(reason, str)
    assert str(tmp_path / "nowhere") in reason
    assert ENV_VAR in reason
    default = find_corpus({})
    assert isinstance(default, Corpus) or str(DEFAULT_CORPUS_ROOT) in default


def test_incomplete_corpus_says_what_is_missing(tmp_path: Path) -> None:
    folder = tmp_path / "github-webhooks"
    folder.mkdir()
    (folder / "github-webhooks.yaml").write_text("{}")
    reason = find_corpus({ENV_VAR: str(tmp_path)})
    assert isinstance(reason, str)
    assert "github-webhooks-small.yaml" in reason
