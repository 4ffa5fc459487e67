"""The session API: keyword-only publish, validation at the call site, topics, shortcuts, typing."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bc_events import EventClient, EventSession, EventValidationError, UnknownTopicError
from bc_events.testing import SINGLE_PATH, EventsAPIServer

from .support import TOPICS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def local_session() -> EventSession:
    """A session that only logs (``api_url=None``): for checks that need no server."""
    return EventClient(None, "TestService", TOPICS).user_session("user-1", "job-1")


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entity", "data", "topic", "field"),
    [
        ("Test", {"id": 5}, "testing.TestCreated", "field id:"),
        ("Test", {"n": 1}, "testing.TestCreated", "field (root):"),
        ("Test", {"id": "1", "n": "two"}, "testing.TestCreated", "field n:"),
        (
            "MyEntity",
            {"items": [{"name": "a"}, {"name": 3}]},
            "testing.MyEntityCreated",
            "field items/1/name:",
        ),
    ],
    ids=["wrong-type", "missing-required", "second-field", "nested"],
)
def test_invalid_data_names_topic_and_field_and_queues_nothing(
    local_session: EventSession, entity: str, data: dict[str, object], topic: str, field: str
) -> None:
    with pytest.raises(EventValidationError) as raised:
        local_session.publish(action="Created", entity=entity, data=data)
    message = str(raised.value)
    assert message.startswith(f"invalid data for topic {topic}: {field}")
    assert raised.value.topic_name == topic
    assert local_session.events == []
    assert isinstance(raised.value, ValueError)


def test_validation_error_field_path_is_structured(local_session: EventSession) -> None:
    with pytest.raises(EventValidationError) as raised:
        local_session.publish(action="Created", entity="MyEntity", data={"items": [{}, {"name": None}]})
    assert raised.value.field_path == ("items", 1, "name")


def test_validators_are_compiled_once_per_topic() -> None:
    client = EventClient(None, "TestService", TOPICS)
    validator = client.validator("testing.TestCreated")
    session = client.service_session("job-1")
    for i in range(3):
        session.created_test({"id": str(i)})
    assert client.validator("testing.TestCreated") is validator


def test_data_that_is_not_json_is_a_validation_error(local_session: EventSession) -> None:
    with pytest.raises(EventValidationError, match=r"testing\.TestCreated"):
        local_session.publish(action="Created", entity="Test", data={"id": "1", "when": object()})
    assert local_session.events == []


@pytest.mark.parametrize("data", ["a string", ["a", "list"], 42, None], ids=["str", "list", "int", "None"])
def test_data_that_is_not_an_object_is_refused_even_where_the_schema_allows_it(data: object) -> None:
    topics = {"DefaultCategory": "testing", "Topics": [{"Action": "Noted", "Entity": "Any", "Schema": {}}]}
    session = EventClient(None, "TestService", topics).service_session("job-1")
    with pytest.raises(
        EventValidationError, match=r"testing\.AnyNoted: field \(root\): data must be a JSON object"
    ):
        session.publish(action="Noted", entity="Any", data=data)  # type: ignore[arg-type]
    assert session.events == []
    session.publish(action="Noted", entity="Any", data={"any": ["thing"]})
    assert len(session.events) == 1
    session.rollback()


def test_invalid_event_among_a_bulk_is_refused_at_the_call_site(
    api: EventsAPIServer, session: EventSession
) -> None:
    for i in range(10):
        session.created_test({"id": str(i)})
    with pytest.raises(EventValidationError):
        session.created_test({"id": 10})
    assert len(session.events) == 10
    session.flush()
    assert len(api.accepted) == 10  # the invalid one never reached the queue


def test_later_changes_to_the_data_dict_do_not_change_the_event(
    api: EventsAPIServer, session: EventSession
) -> None:
    data = {"id": "1"}
    session.created_test(data)
    data["id"] = "changed"
    session.flush()
    assert api.accepted[0].data == {"id": "1"}


# --- publish arguments, topics ----------------------------------------------------------


def test_positional_publish_arguments_are_a_type_error(local_session: EventSession) -> None:
    with pytest.raises(TypeError):
        local_session.publish("Created", "Test", {"id": "1"})  # type: ignore[call-arg]
    assert local_session.events == []


def test_unknown_topic_is_a_value_error_naming_it(local_session: EventSession) -> None:
    with pytest.raises(ValueError, match=r"'testing\.TestVanished'") as raised:
        local_session.publish(action="Vanished", entity="Test", data={})
    assert isinstance(raised.value, UnknownTopicError)
    with pytest.raises(ValueError, match=r"'nowhere\.TestCreated'"):
        local_session.publish(action="Created", entity="Test", data={"id": "1"}, category="nowhere")
    assert local_session.events == []


def test_get_topic_unknown_names_the_topic() -> None:
    client = EventClient(None, "TestService", TOPICS)
    with pytest.raises(ValueError, match=r"other\.TestCreated"):
        client.get_topic("other", "Test", "Created")


def test_publish_with_explicit_category(api: EventsAPIServer, session: EventSession) -> None:
    session.publish(action="Deleted", entity="Test", category="other", data={})
    session.flush()
    assert [event.topic for event in api.accepted] == ["other.TestDeleted"]


# --- shortcuts ----------------------------------------------------------------------------


def test_both_shortcut_spellings_publish_default_category_topics(
    api: EventsAPIServer, session: EventSession
) -> None:
    session.created_test({"id": "1"})
    session.test_created({"id": "2"})
    session.created_my_entity({})
    session.my_entity_created({"items": []})
    session.flush()
    assert [(event.topic, event.data) for event in api.accepted] == [
        ("testing.TestCreated", {"id": "1"}),
        ("testing.TestCreated", {"id": "2"}),
        ("testing.MyEntityCreated", {}),
        ("testing.MyEntityCreated", {"items": []}),
    ]
    assert api.requests == {SINGLE_PATH: 4}


def test_shortcuts_validate(local_session: EventSession) -> None:
    with pytest.raises(EventValidationError, match=r"testing\.TestCreated"):
        local_session.created_test({"id": 1})


def test_shortcut_docstring_describes_the_topic(local_session: EventSession) -> None:
    assert local_session.created_test.__doc__ == "Publish testing.TestCreated. A new Test was created"


@pytest.mark.parametrize("name", ["created_tset", "deleted_test", "test_deleted", "created"])
def test_unknown_shortcut_is_an_attribute_error_naming_it(local_session: EventSession, name: str) -> None:
    # deleted_test exists only in category "other": shortcuts cover the default category
    with pytest.raises(AttributeError, match=repr(name)):
        getattr(local_session, name)
    assert not hasattr(local_session, name)


def test_private_names_are_not_shortcuts(local_session: EventSession) -> None:
    with pytest.raises(AttributeError):
        local_session._created_test  # noqa: B018


# --- imports and types, as real processes --------------------------------------------------


def test_import_bc_events_does_not_import_the_generator_dependencies() -> None:
    code = textwrap.dedent(
        """
        import sys
        import bc_events, bc_events.testing
        heavy = sorted(name for name in ("jinja2", "black", "click", "pytest") if name in sys.modules)
        print(",".join(heavy))
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


MYPY_USAGE = """
from collections.abc import Mapping
from typing import Any

from bc_events import EventClient, EventSession


class TypedSession(EventSession):
    def created_test(self, data: Mapping[str, Any]) -> None:
        self.publish(action="Created", entity="Test", data=data)


def use(session: TypedSession, client: EventClient) -> None:
    session.created_test({"id": "1"})
    session.flush()
    session.created_tset({"id": "1"})  # misspelt: must be an error, not Any
    client.user_session("u", "j").created_test({"id": "1"})  # dynamic shortcuts are invisible too
    session.publish("Created", "Test", {})  # positional arguments
"""


def test_mypy_reports_misspelt_methods_on_a_session_subclass(tmp_path: Path) -> None:
    usage = tmp_path / "usage.py"
    usage.write_text(MYPY_USAGE, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--hide-error-context", str(usage)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    errors = sorted(
        (int(line.split(":")[1]), line.split(": error: ")[1])
        for line in result.stdout.splitlines()
        if ": error: " in line
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert errors == [
        (16, '"TypedSession" has no attribute "created_tset"; maybe "created_test"?  [attr-defined]'),
        (17, '"EventSession" has no attribute "created_test"  [attr-defined]'),
        (18, 'Too many positional arguments for "publish" of "EventSession"  [call-arg]'),
    ], result.stdout
