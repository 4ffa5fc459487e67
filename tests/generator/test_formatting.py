"""black stays the authority: the module is a fixed point of black and equal to black over all of it.

Most pieces skip black (``layout.is_black_form``); these tests compare the result with
``black.format_str`` over the whole unformatted module (``layout.reference_module``),
for the golden example, hypothesis-drawn topics and (slow) the corpus.
"""

from __future__ import annotations

import string
from pathlib import Path

import black
import pytest
import yaml
from corpus.locate import find_corpus
from generator_support import EXAMPLE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bc_events.generator import load_module_spec
from bc_events.generator.assemble import assemble, ruff_directives
from bc_events.generator.layout import black_mode, bracketed, format_piece, reference_module
from bc_events.generator.render import render_pieces


def assert_black_agrees(path: str) -> None:
    module = load_module_spec(path, warn=lambda message: None)
    out = assemble(render_pieces(module))
    rendered = render_pieces(module)
    expected = reference_module([rendered.head(ruff_directives(rendered.rules, out)), *rendered.body])
    assert out == expected
    assert black.format_str(out, mode=black_mode()) == out


def test_the_golden_example() -> None:
    assert_black_agrees(str(EXAMPLE / "topics.yaml"))


_TEXT = st.text(
    st.sampled_from([*"ab Z09_-'\"\\{}#é保🚗\t\n", "\u2028", "\xa0", " "]), min_size=0, max_size=120
)
_NAME = st.text(st.sampled_from(string.ascii_letters), min_size=1, max_size=30).map(str.capitalize)
_KEY = st.one_of(
    st.text(st.sampled_from(string.ascii_lowercase + "_"), min_size=1, max_size=40),
    st.text(st.sampled_from([*"ab-+@ é'\""]), min_size=1, max_size=12),
)


@st.composite
def _topic(draw: st.DrawFn) -> dict[str, object]:
    keys = draw(st.lists(_KEY, min_size=1, max_size=6, unique=True))
    properties: dict[str, object] = {}
    for key in keys:
        properties[key] = draw(
            st.one_of(
                st.just({"type": "string", "description": draw(_TEXT)}),
                st.lists(_TEXT, min_size=1, max_size=4, unique=True).map(lambda values: {"enum": values}),
                st.just(
                    {"type": "array", "items": {"type": "object", "properties": {"x": {"type": "integer"}}}}
                ),
                st.just({"type": ["integer", "null"]}),
            )
        )
    schema = {"type": "object", "properties": properties, "required": keys[: draw(st.integers(0, len(keys)))]}
    topic: dict[str, object] = {"Action": draw(_NAME), "Entity": draw(_NAME), "Schema": schema}
    if draw(st.booleans()):
        topic["Description"] = draw(_TEXT)
    if draw(st.booleans()):
        topic["Category"] = draw(
            st.sampled_from(["billing", "a_very_long_category_name_for_the_line_budget"])
        )
    return topic


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(topics=st.lists(_topic(), min_size=1, max_size=4, unique_by=lambda t: (t["Action"], t["Entity"])))
def test_hypothesis_topics(tmp_path: Path, topics: list[dict[str, object]]) -> None:
    path = tmp_path / "topics.yaml"
    path.write_text(yaml.safe_dump({"DefaultCategory": "testing", "Topics": topics}), encoding="utf-8")
    try:
        load_module_spec(str(path), warn=lambda message: None)
    except Exception:
        return
    assert_black_agrees(str(path))


@pytest.mark.parametrize(
    ("items", "closing"),
    [(["a", "b"], ")"), (["x" * 30, "y" * 30], ") -> None:"), (["z" * 50, "w" * 50], ")")],
)
def test_bracketed_is_what_black_makes_of_a_call_or_signature(items: list[str], closing: str) -> None:
    opening = "def f(" if closing.endswith(":") else "f("
    text = bracketed("", opening, items, closing) + ("    pass\n" if closing.endswith(":") else "")
    assert format_piece(text) == text


@pytest.mark.slow
def test_the_corpus() -> None:
    corpus = find_corpus()
    if isinstance(corpus, str):
        pytest.skip(corpus)
    assert_black_agrees(str(corpus.full))


@pytest.mark.parametrize("length", [40, 60, 70, 75, 78, 80, 82, 83, 84, 85, 86, 90, 120])
def test_a_doc_assignment_is_laid_out_as_black_does_at_every_length(tmp_path: Path, length: int) -> None:
    description = ("word " * 40)[:length].strip() + "."
    path = tmp_path / "topics.yaml"
    topic = {
        "Action": "Updated",
        "Entity": "Contact",
        "Schema": {
            "type": "object",
            "description": description,
            "properties": {"first-name": {"type": "string"}},
        },
    }
    path.write_text(yaml.safe_dump({"DefaultCategory": "testing", "Topics": [topic]}), encoding="utf-8")
    assert_black_agrees(str(path))
