"""bc-events-compat on the GitHub webhooks corpus: itself, every topic broken once, rewrites.

Skipped when the corpus is absent (see ``tests/corpus/locate.py``).
"""

from __future__ import annotations

from typing import Any

import pytest
from corpus.locate import Corpus, find_corpus

from bc_events.compat import compare
from bc_events.compat.compare import _space
from bc_events.compat.schema import Space
from bc_events.compat.subset import Checker
from bc_events.compat.wording import Wording
from bc_events.topics import TopicDefinitions, load_topic_definitions

from .schema_mutations import REWRITES, mutate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus() -> TopicDefinitions:
    found = find_corpus()
    if not isinstance(found, Corpus):
        pytest.skip(found)
    return load_topic_definitions(str(found.full))


def _with_schemas(definitions: TopicDefinitions, schemas: list[dict[str, Any]]) -> TopicDefinitions:
    topics = [
        {"Category": t.category, "Entity": t.entity, "Action": t.action, "Schema": schema}
        for t, schema in zip(definitions.topics, schemas, strict=True)
    ]
    return load_topic_definitions({"DefaultCategory": definitions.default_category, "Topics": topics})


def test_the_corpus_is_compatible_with_itself(corpus: TopicDefinitions) -> None:
    assert len(corpus.topics) == 224
    assert compare(corpus, corpus) == []


def test_the_subset_check_alone_proves_every_topic_compatible_with_itself(corpus: TopicDefinitions) -> None:
    """Without the sameness shortcut: expansion, $ref recursion and oneOf exclusivity on real schemas."""
    for topic in corpus.topics:
        for direction in ("backward", "forward"):
            checker = Checker(_space(topic), _space(topic), Wording(direction), shortcut=False)
            assert checker.check() == [], topic.name


def test_every_topic_broken_once_is_reported_in_the_right_mode(corpus: TopicDefinitions) -> None:
    mutations = [mutate(topic.name, dict(topic.schema)) for topic in corpus.topics]
    assert len({m.kind for m in mutations}) == 5
    mutated = _with_schemas(corpus, [m.schema for m in mutations])
    reported = {(f.topic, f.breaks) for f in compare(corpus, mutated)}
    missed = [
        f"{topic.name}: {m.kind} ({m.where})"
        for topic, m in zip(corpus.topics, mutations, strict=True)
        if (topic.name, m.breaks) not in reported
    ]
    assert not missed, missed
    for direction in ("backward", "forward"):
        only = compare(corpus, mutated, direction)
        expected = {t.name for t, m in zip(corpus.topics, mutations, strict=True) if m.breaks == direction}
        assert {f.topic for f in only} >= expected
        assert {f.breaks for f in only} == {direction}


@pytest.mark.parametrize("rewrite", [*REWRITES, "all"])
def test_meaning_preserving_rewrites_report_nothing(corpus: TopicDefinitions, rewrite: str) -> None:
    steps = list(REWRITES.values()) if rewrite == "all" else [REWRITES[rewrite]]
    schemas = []
    for topic in corpus.topics:
        schema = dict(topic.schema)
        for step in steps:
            schema = step(schema)
        schemas.append(schema)
    changed = [t.name for t, schema in zip(corpus.topics, schemas, strict=True) if schema != t.schema]
    assert len(changed) >= 200  # the rewrite did rewrite
    rewritten = _with_schemas(corpus, schemas)
    assert compare(corpus, rewritten) == []
    assert compare(rewritten, corpus) == []
    if rewrite == "all":  # and without the sameness shortcut, by the subset check itself
        for topic, schema in zip(corpus.topics, schemas, strict=True):
            old, new = _space(topic), Space(schema)
            assert Checker(old, new, Wording("backward"), shortcut=False).check() == [], topic.name
            assert Checker(new, old, Wording("forward"), shortcut=False).check() == [], topic.name
