"""The Events API wire protocol, checked over real sockets against bc_events.testing."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from bc_events import EventClient, EventSession, PublishError
from bc_events.testing import BULK_PATH, SINGLE_PATH, EventsAPIServer

from .conftest import MakeClient
from .support import TOPICS, accepted_ids, publish_tests, queued_ids, request_sizes


def test_one_event_is_posted_as_an_envelope_with_the_job_id_header(
    api: EventsAPIServer, session: EventSession
) -> None:
    session.publish(action="Created", entity="Test", data={"id": "1", "n": 2})
    session.flush()

    (event,) = api.accepted
    assert event.path == SINGLE_PATH
    assert event.job_id == "job-1"
    assert event.envelope == {
        "action": "Created",
        "category": "testing",
        "entity": "Test",
        "data": {"id": "1", "n": 2},
        "actor": {"id": "user-1", "type": "user"},
    }
    assert session.events == []


@pytest.mark.parametrize(
    ("factory", "actor"),
    [
        (lambda c: c.user_session("u-7", "job-2"), ("u-7", "user")),
        (lambda c: c.service_session("job-2"), ("TestService", "service")),
        (lambda c: c.third_party_session("job-2"), ("TestService", "third-party")),
    ],
    ids=["user", "service", "third-party"],
)
def test_session_factories_set_the_actor(
    api: EventsAPIServer,
    client: EventClient,
    factory: Callable[[EventClient], EventSession],
    actor: tuple[str, str],
) -> None:
    session = factory(client)
    session.created_test({"id": "1"})
    session.flush()
    assert [(event.actor, event.job_id) for event in api.accepted] == [(actor, "job-2")]


def test_client_urls_and_topic_table(api: EventsAPIServer, client: EventClient) -> None:
    assert client.api_url == api.url
    assert client.service_name == "TestService"
    assert client.default_category == "testing"
    assert client.publish_url == api.url + "/events"
    assert client.publish_bulk_url == api.url + "/events/bulk/"
    assert sorted(client.topic_table) == [
        "other.TestDeleted",
        "testing.MyEntityCreated",
        "testing.TestCreated",
    ]
    topic = client.get_topic("other", "Test", "Deleted")
    assert (topic.category, topic.entity, topic.action, dict(topic.schema)) == (
        "other",
        "Test",
        "Deleted",
        {"type": "object"},
    )


def test_trailing_slash_of_api_url_is_ignored(api: EventsAPIServer) -> None:
    client = EventClient(api.url + "/", "TestService", TOPICS)
    session = client.service_session("job-1")
    publish_tests(session, 6)
    session.flush()
    assert client.publish_bulk_url == api.url + "/events/bulk/"
    assert api.requests == {BULK_PATH: 1}
    client.close()


def _expected_requests(count: int) -> list[tuple[str, int]]:
    if count <= 5:
        return [(SINGLE_PATH, 1)] * count
    full, rest = divmod(count, 250)
    return [(BULK_PATH, 250)] * full + ([(BULK_PATH, rest)] if rest else [])


@pytest.mark.parametrize("count", [1, 5, 6, 250, 251, 600])
def test_five_or_fewer_go_singly_more_in_bulk_chunks_of_at_most_250(
    api: EventsAPIServer, session: EventSession, count: int
) -> None:
    ids = publish_tests(session, count)
    session.flush()

    assert request_sizes(api) == _expected_requests(count)
    assert accepted_ids(api) == ids  # every event once, in publishing order
    assert all(request.status == 200 for request in api.request_log)
    assert session.events == []


def test_events_of_other_categories_travel_in_the_same_bulk(
    api: EventsAPIServer, session: EventSession
) -> None:
    publish_tests(session, 5)
    session.publish(action="Deleted", entity="Test", category="other", data={"id": "x"})
    session.flush()
    assert request_sizes(api) == [(BULK_PATH, 6)]
    assert [event.topic for event in api.accepted][-1] == "other.TestDeleted"


def test_flush_of_an_empty_queue_sends_nothing(api: EventsAPIServer, session: EventSession) -> None:
    session.flush()
    assert api.requests == {}


def test_second_flush_sends_nothing(api: EventsAPIServer, session: EventSession) -> None:
    publish_tests(session, 7)
    session.flush()
    session.flush()
    assert api.requests == {BULK_PATH: 1}
    assert len(api.accepted) == 7


def test_rollback_drops_the_queue(api: EventsAPIServer, session: EventSession) -> None:
    publish_tests(session, 3)
    session.rollback()
    session.flush()
    assert session.events == []
    assert api.requests == {}


def test_events_lists_the_queue_oldest_first(session: EventSession) -> None:
    ids = publish_tests(session, 3)
    assert queued_ids(session) == ids
    assert [event.topic_name for event in session.events] == ["testing.TestCreated"] * 3


def test_with_block_flushes_on_success(api: EventsAPIServer, client: EventClient) -> None:
    with client.user_session("user-1", "job-1") as session:
        publish_tests(session, 2)
        assert api.requests == {}  # nothing leaves before the block ends
    assert len(api.accepted) == 2


def test_exception_inside_with_block_sends_nothing(api: EventsAPIServer, client: EventClient) -> None:
    session = client.user_session("user-1", "job-1")

    def failing_request() -> None:
        with session:
            publish_tests(session, 10)
            raise RuntimeError("request failed")

    with pytest.raises(RuntimeError, match="request failed"):
        failing_request()
    assert session.events == []
    assert api.requests == {}
    session.flush()  # the rolled-back events are gone for good
    assert api.requests == {}


def test_publish_immediately_sends_at_once(api: EventsAPIServer, client: EventClient) -> None:
    session = client.user_session("user-1", "job-1", publish_immediately=True)
    session.created_test({"id": "now"})
    assert accepted_ids(api) == ["now"]
    assert session.events == []
    session.flush()
    assert api.requests == {SINGLE_PATH: 1}


def test_publish_immediately_raises_when_delivery_fails(
    api: EventsAPIServer, make_client: MakeClient
) -> None:
    session = make_client(total_time=0.2).service_session("job-1", publish_immediately=True)
    api.faults.reject()
    with pytest.raises(PublishError) as raised:
        session.created_test({"id": "lost"})
    assert [event.data["id"] for event in raised.value.rejected] == ["lost"]  # a 400 ValidationException


def test_connections_are_reused(api: EventsAPIServer, session: EventSession) -> None:
    for i in range(30):
        session.created_test({"id": str(i)})
        session.flush()
    publish_tests(session, 600)
    session.flush()
    assert api.requests == {SINGLE_PATH: 30, BULK_PATH: 3}
    assert api.connections == 1


def test_sessions_share_the_client_connection_pool(api: EventsAPIServer, client: EventClient) -> None:
    for job in range(20):
        with client.service_session(f"job-{job}") as session:
            publish_tests(session, 2)
    assert len(api.accepted) == 40
    assert sorted({event.job_id for event in api.accepted}) == sorted(f"job-{job}" for job in range(20))
    assert api.connections == 1


def test_without_api_url_events_are_logged_not_sent(caplog: pytest.LogCaptureFixture) -> None:
    client = EventClient(None, "TestService", TOPICS)
    assert client.api_url is None
    assert client.publish_url is None
    assert client.publish_bulk_url is None
    assert ["log-only mode" in message for message in caplog.messages] == [True]  # said once, at creation
    caplog.clear()
    caplog.set_level(logging.INFO, logger="bc.events")
    with client.user_session("user-1", "job-9") as session:
        session.created_test({"id": "local"})
    logged = [record for record in caplog.records if record.name == "bc.events"]
    assert len(logged) == 1
    assert "testing.TestCreated" in logged[0].getMessage()
    assert '"id":"local"' in logged[0].getMessage()
    assert session.events == []


def test_a_closed_client_raises_instead_of_reconnecting(api: EventsAPIServer, client: EventClient) -> None:
    session = client.service_session("job-1")
    publish_tests(session, 1, prefix="before")
    session.flush()
    client.close()
    ids = publish_tests(session, 2)
    with pytest.raises(RuntimeError, match="closed"):
        session.flush()
    assert queued_ids(session) == ids  # nothing lost: the events stay queued
    immediately = client.service_session("job-2", publish_immediately=True)
    with pytest.raises(RuntimeError, match="closed"):
        immediately.created_test({"id": "now"})
    assert accepted_ids(api) == ["before0"]
    assert api.connections == 1  # no new connection was opened
