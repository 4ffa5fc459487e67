"""The 163 example payloads: they type-check, their mutations do not, and they publish unchanged."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import bc_events
from bc_events.naming import action_first_name
from bc_events.testing import EventsAPIServer

from .locate import Corpus, Payload
from .mutations import KINDS
from .test_generation import import_module
from .typecheck import MUTATION_SEED, CheckerReport, GeneratedModule, TypecheckFolder

# Mutations no sound typing can reject, by file name, with the reason; empty while there are none.
UNCATCHABLE: dict[str, str] = {}

KNOWN_MYPY_FALSE_POSITIVES: dict[str, str] = {}
"""Topics whose valid payloads mypy rejects: generator problems, reported with a reproducer.

The payload test fails when the set changes either way, so a fix shows up as "remove me".
"""


NO_VALID_INSTANCE = {
    "SecretScanningAlertLocation.Created": (
        "its required `location` is a SecretScanningLocation: `additionalProperties: false` next to a "
        "`oneOf` and no `properties`, so every key is forbidden while each branch requires two"
    ),
}
"""Topics whose schema no value satisfies, so no instance can be synthesized."""


def topic(payload: Payload) -> str:
    return f"{payload.entity}.{payload.action}"


def test_every_payload_passes_mypy_strict(
    mypy_report: CheckerReport, typecheck_folder: TypecheckFolder
) -> None:
    assert len(typecheck_folder.positives) == 163
    rejected = {
        topic(payload): mypy_report.errors_in(name)[:2]
        for name, payload in typecheck_folder.positives.items()
        if mypy_report.errors_in(name)
    }
    assert {name: errors for name, errors in rejected.items() if name not in KNOWN_MYPY_FALSE_POSITIVES} == {}
    fixed = set(KNOWN_MYPY_FALSE_POSITIVES) - set(rejected)
    assert not fixed, f"now accepted: remove from KNOWN_MYPY_FALSE_POSITIVES: {sorted(fixed)}"


def test_instances_synthesized_for_every_topic_pass_mypy_strict(
    mypy_report: CheckerReport, typecheck_folder: TypecheckFolder, report: list[str]
) -> None:
    """The 61 topics without an example payload are checked too, with instances built from their schemas."""
    topics = set(typecheck_folder.synthesized.values())
    report.append(f"synthesized instances: {len(typecheck_folder.synthesized)} for {len(topics)} topics")
    assert len(typecheck_folder.topics) == 224
    assert set(typecheck_folder.topics) - topics == set(NO_VALID_INSTANCE)
    rejected = {
        name: mypy_report.errors_in(name)[:2]
        for name, topic in typecheck_folder.synthesized.items()
        if mypy_report.errors_in(name) and topic not in KNOWN_MYPY_FALSE_POSITIVES
    }
    assert rejected == {}


def test_instances_synthesized_for_every_topic_pass_pyright(
    pyright_report: CheckerReport, typecheck_folder: TypecheckFolder
) -> None:
    rejected = {name: pyright_report.errors_in(name)[:2] for name in typecheck_folder.synthesized}
    assert {name: errors for name, errors in rejected.items() if errors} == {}


def test_every_payload_passes_pyright(
    pyright_report: CheckerReport, typecheck_folder: TypecheckFolder
) -> None:
    rejected = {name: pyright_report.errors_in(name)[:3] for name in typecheck_folder.positives}
    assert {name: errors for name, errors in rejected.items() if errors} == {}


def catch_rates(checker: CheckerReport, folder: TypecheckFolder) -> tuple[dict[str, Counter[str]], list[str]]:
    """Per kind: how many mutations were drawn, caught, and judged; and the names of those missed.

    A mutation is judged only if its unmutated payload passes, so that any error
    in its file is the mutation's doing.
    """
    counts: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
    missed = []
    for name, negative in folder.negatives.items():
        count = counts[negative.mutation.kind]
        count["drawn"] += 1
        if checker.errors_in(folder.positive_of(name)):
            continue
        count["judged"] += 1
        if checker.errors_in(name):
            count["caught"] += 1
        else:
            missed.append(name)
    return counts, missed


def describe_rates(checker: str, counts: dict[str, Counter[str]], folder: TypecheckFolder) -> list[str]:
    lines = [f"{checker}: mutations rejected (seed {MUTATION_SEED}), per kind:"]
    for kind, count in counts.items():
        share = count["caught"] / count["judged"] if count["judged"] else 0.0
        none = len(folder.undrawable[kind])
        lines.append(
            f"  {kind:22} {count['caught']:4}/{count['judged']:<4} caught ({share:.1%}); "
            f"{count['drawn'] - count['judged']} not judged (payload itself rejected); "
            f"{none} payloads without a place for one"
        )
    return lines


def test_mypy_rejects_every_mutated_payload(
    mypy_report: CheckerReport, typecheck_folder: TypecheckFolder, report: list[str]
) -> None:
    counts, missed = catch_rates(mypy_report, typecheck_folder)
    report.extend(describe_rates("mypy --strict", counts, typecheck_folder))
    assert sum(count["drawn"] for count in counts.values()) >= 3 * 163 - 10
    unexplained = {
        name: typecheck_folder.negatives[name].mutation.describe()[:300]
        for name in missed
        if name not in UNCATCHABLE
    }
    assert unexplained == {}
    unjudged = {
        topic(negative.payload)
        for name, negative in typecheck_folder.negatives.items()
        if mypy_report.errors_in(typecheck_folder.positive_of(name))
    }
    assert unjudged <= set(KNOWN_MYPY_FALSE_POSITIVES), "mutations of payloads rejected unmutated go unjudged"


def test_pyright_rejects_every_mutated_payload(
    pyright_report: CheckerReport, typecheck_folder: TypecheckFolder, report: list[str]
) -> None:
    counts, missed = catch_rates(pyright_report, typecheck_folder)
    report.extend(describe_rates("pyright", counts, typecheck_folder))
    unexplained = {
        name: typecheck_folder.negatives[name].mutation.describe()[:300]
        for name in missed
        if name not in UNCATCHABLE
    }
    assert unexplained == {}


def test_every_payload_publishes_unchanged(
    corpus: Corpus, full_module: GeneratedModule, events_api: EventsAPIServer
) -> None:
    """Through the generated session's method, validated at run time, to a real local Events API."""
    module = import_module(full_module)
    client = module.EventClient(events_api.url, "CorpusTest")
    payloads = corpus.payloads()
    refused: dict[str, str] = {}
    try:
        with client.service_session("corpus-job") as session:
            for payload in payloads:
                method = getattr(session, action_first_name(payload.entity, payload.action))
                try:
                    method(payload.data)
                except bc_events.EventValidationError as error:
                    refused[payload.file] = str(error)[:500]
    finally:
        client.close()
    assert refused == {}
    changed = []
    for payload in payloads:
        [event] = events_api.accepted_for(f"github.{payload.entity}{payload.action}")
        if _canonical(event.data) != _canonical(payload.data):
            changed.append(payload.file)
        assert event.job_id == "corpus-job"
    assert changed == []
    assert len(events_api.accepted) == len(payloads) == 163


def _canonical(document: Any) -> str:
    """JSON text keeping key order and value types (so 1, 1.0 and True stay apart)."""
    return json.dumps(document, ensure_ascii=False)
