"""Deep, cyclic and non-finite data: a clear EventValidationError, never a crash or RecursionError.

Cases that crashed the interpreter before the nesting limit existed run in a
child process, so a segfault fails the test instead of killing pytest.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from types import MappingProxyType
from typing import Any

import pytest
from corpus.locate import find_corpus  # tests/ is on sys.path: the corpus tests' own locator

from bc_events import EventClient, EventSession, EventValidationError
from bc_events.testing import EventsAPIServer
from bc_events.validation import MAX_DEPTH

NODE = {"type": "object", "properties": {"child": {"$ref": "#/definitions/Node"}}}
DEPTH_TOPICS: dict[str, Any] = {
    "DefaultCategory": "testing",
    "Topics": [
        {
            "Action": "Created",
            "Entity": "Tree",
            "Description": "A recursive $ref schema",
            "Schema": {**NODE, "definitions": {"Node": NODE}},
        },
        {
            "Action": "Created",
            "Entity": "Blob",
            "Description": "A non-recursive schema that accepts anything inside",
            "Schema": {"type": "object", "properties": {"n": {"type": "integer"}, "x": {"type": "number"}}},
        },
    ],
}


def nested(depth: int) -> dict[str, Any]:
    """``{"child": {"child": ...}}``: ``depth`` objects inside one another, built without recursion."""
    data: dict[str, Any] = {}
    for _ in range(depth - 1):
        data = {"child": data}
    return data


@pytest.fixture
def local_session() -> EventSession:
    return EventClient(None, "TestService", DEPTH_TOPICS).service_session("job-1")


@pytest.mark.parametrize("entity", ["Tree", "Blob"])
def test_data_at_the_limit_publishes_and_one_level_more_is_refused(
    local_session: EventSession, entity: str
) -> None:
    local_session.publish(action="Created", entity=entity, data=nested(MAX_DEPTH))
    with pytest.raises(EventValidationError) as raised:
        local_session.publish(action="Created", entity=entity, data=nested(MAX_DEPTH + 1))
    assert raised.value.topic_name == f"testing.{entity}Created"
    assert raised.value.field_path == ("child",) * MAX_DEPTH
    assert f"nested more than {MAX_DEPTH} levels deep" in str(raised.value)
    assert len(local_session.events) == 1


def test_arrays_count_as_levels_and_the_path_names_indexes(local_session: EventSession) -> None:
    deep: list[Any] = ["leaf"]
    for _ in range(MAX_DEPTH):
        deep = [0, deep]
    with pytest.raises(EventValidationError) as raised:
        local_session.publish(action="Created", entity="Blob", data={"items": deep})
    assert raised.value.field_path == ("items", *([1] * (MAX_DEPTH - 1)))


def test_delivered_data_at_the_limit_arrives_unchanged(api: EventsAPIServer) -> None:
    client = EventClient(api.url, "TestService", DEPTH_TOPICS)
    with client.service_session("job-1") as session:
        session.publish(action="Created", entity="Tree", data=nested(MAX_DEPTH))
    client.close()
    [event] = api.accepted
    assert event.data == nested(MAX_DEPTH)


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: _cyclic_dict(), ("loop", "again")),
        (lambda: _cyclic_list(), ("loop", 1)),
    ],
    ids=["dict-contains-itself", "list-contains-itself"],
)
def test_cyclic_data_is_a_clear_error(local_session: EventSession, make: Any, field: tuple[Any, ...]) -> None:
    with pytest.raises(EventValidationError) as raised:
        local_session.publish(action="Created", entity="Blob", data={"n": 1, "loop": make()})
    assert raised.value.field_path == field
    assert "contains itself (a reference cycle)" in str(raised.value)
    assert local_session.events == []


def test_a_cycle_reachable_along_many_paths_is_found_at_once(local_session: EventSession) -> None:
    """Two keys leading back to the same dict: walking every path to the limit would take 2**64 steps."""
    loop: dict[str, Any] = {}
    loop["left"] = loop
    loop["right"] = loop
    with pytest.raises(EventValidationError) as raised:
        local_session.publish(action="Created", entity="Blob", data={"n": 1, "loop": loop})
    assert raised.value.field_path == ("loop", "left")
    assert "contains itself (a reference cycle)" in str(raised.value)


def test_a_cycle_through_read_only_views_is_a_cycle(local_session: EventSession) -> None:
    inner: dict[str, Any] = {}
    view = MappingProxyType(inner)
    inner["items"] = (1, view)
    with pytest.raises(EventValidationError) as raised:
        local_session.publish(action="Created", entity="Blob", data={"view": view})
    assert raised.value.field_path == ("view", "items", 1)
    assert "contains itself (a reference cycle)" in str(raised.value)


def test_tuples_and_mapping_views_count_as_levels(local_session: EventSession) -> None:
    def wrapped(containers: int) -> Any:
        deep: Any = "leaf"
        for level in range(containers):
            deep = (deep,) if level % 2 else MappingProxyType({"k": deep})
        return deep

    local_session.publish(action="Created", entity="Blob", data={"deep": wrapped(MAX_DEPTH - 1)})
    with pytest.raises(EventValidationError) as raised:
        local_session.publish(action="Created", entity="Blob", data={"deep": wrapped(MAX_DEPTH)})
    assert len(raised.value.field_path) == MAX_DEPTH
    assert f"nested more than {MAX_DEPTH} levels deep" in str(raised.value)
    assert len(local_session.events) == 1


def _cyclic_dict() -> dict[str, Any]:
    loop: dict[str, Any] = {"a": 1}
    loop["again"] = loop
    return loop


def _cyclic_list() -> list[Any]:
    loop: list[Any] = [1]
    loop.append(loop)
    return loop


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"n": float("nan")}, "field n: NaN is not valid JSON"),
        ({"x": float("inf")}, "field x: Infinity is not valid JSON"),
        ({"n": 1, "more": [{"deep": float("-inf")}]}, "field more/0/deep: -Infinity is not valid JSON"),
    ],
    ids=["nan-for-integer", "inf-for-number", "nested-in-free-form-data"],
)
def test_non_finite_numbers_are_reported_as_such(
    local_session: EventSession, data: dict[str, Any], message: str
) -> None:
    """Not as "null is not of type integer" (the validator's reading), nor as the encoder's complaint."""
    with pytest.raises(EventValidationError) as raised:
        local_session.publish(action="Created", entity="Blob", data=data)
    assert (
        str(raised.value)
        == f"invalid data for topic testing.BlobCreated: {message} (JSON numbers are finite)"
    )
    assert local_session.events == []


def test_every_github_corpus_payload_is_within_the_limit() -> None:
    corpus = find_corpus()
    if isinstance(corpus, str):
        pytest.skip(corpus)
    payloads = [payload.data for payload in corpus.payloads()]
    topics = {"DefaultCategory": "github", "Topics": [{"Action": "Received", "Entity": "Any", "Schema": {}}]}
    session = EventClient(None, "TestService", topics).service_session("job-1")
    for data in payloads:
        session.publish(action="Received", entity="Any", data=data)
    assert len(session.events) == len(payloads) == 163


# --- in a child process: cases that crashed the interpreter ---------------------------------

CHILD = textwrap.dedent(
    """
    import json, sys, threading
    from bc_events import EventClient, EventValidationError

    topics, entity = json.loads(sys.argv[1]), sys.argv[2]
    depth, stack_kib = int(sys.argv[3]), int(sys.argv[4])
    session = EventClient(None, "TestService", topics).service_session("job-1")
    data = {}
    for _ in range(depth - 1):
        data = {"child": data}
    outcome = []

    def publish():
        try:
            session.publish(action="Created", entity=entity, data=data)
            outcome.append("published")
        except EventValidationError as error:
            outcome.append(f"refused: {error.problem}")

    if stack_kib:
        threading.stack_size(stack_kib * 1024)
        thread = threading.Thread(target=publish)
        thread.start()
        thread.join()
    else:
        publish()
    print(outcome[0] if outcome else "no outcome")
    """
)


def run_child(entity: str, depth: int, stack_kib: int) -> str:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(DEPTH_TOPICS), entity, str(depth), str(stack_kib)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"child died with {result.returncode}: {result.stderr[-2000:]}"
    return result.stdout.strip()


REFUSED = f"refused: data is nested more than {MAX_DEPTH} levels deep (objects and arrays inside one another)"


@pytest.mark.parametrize("entity", ["Tree", "Blob"])
@pytest.mark.parametrize(
    ("depth", "stack_kib"),
    [(100_000, 0), (20_000, 256)],
    ids=["100000-main-thread", "20000-thread-256KiB-stack"],
)
def test_deep_data_is_refused_without_crashing(entity: str, depth: int, stack_kib: int) -> None:
    assert run_child(entity, depth, stack_kib) == REFUSED


@pytest.mark.parametrize("entity", ["Tree", "Blob"])
def test_data_at_the_limit_validates_in_a_thread_with_a_64kib_stack(entity: str) -> None:
    """The limit leaves room for the native validator even on a small stack."""
    assert run_child(entity, MAX_DEPTH, 64) == "published"
