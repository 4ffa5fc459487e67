"""What the client and sessions accept: api_url and ids are checked when they are created."""

from __future__ import annotations

from typing import Any

import pytest

from bc_events import EventClient
from bc_events.testing import EventsAPIServer

from .support import FAST, TOPICS

# --- api_url ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api_url", "problem"),
    [
        ("", "api_url is empty"),
        ("   ", "api_url is empty"),
        ("api.example.com", "must be an absolute URL starting with http:// or https://"),
        ("localhost:8000", "must be an absolute URL starting with http:// or https://"),
        ("/events", "must be an absolute URL starting with http:// or https://"),
        ("file:///tmp/events", "must be an http or https URL, not file://"),
        ("ftp://api.example.com", "must be an http or https URL, not ftp://"),
        ("http://", "has no host"),
        ("https:///events", "has no host"),
        ("https://api.example.com/?token=1", "must not have a query string"),
        ("https://api.example.com?", "must not have a query string"),
        ("https://api.example.com/#top", "must not have a fragment"),
        ("https://api.example.com:99999", "not a valid URL (Port out of range"),
        ("https://api.example.com:port", "not a valid URL"),
        (" https://api.example.com", "must not contain whitespace or control characters"),
        ("https://api.example.com/\n", "must not contain whitespace or control characters"),
    ],
)
def test_unusable_api_url_is_refused_at_construction(api_url: str, problem: str) -> None:
    with pytest.raises(ValueError, match=r"^api_url ") as raised:
        EventClient(api_url, "TestService", TOPICS)
    assert problem in str(raised.value)


@pytest.mark.parametrize(
    "api_url",
    ["https://user:secret@api.example.com", "http://token@api.example.com", "http://@api.example.com"],
)
def test_credentials_in_api_url_are_refused_without_echoing_them(api_url: str) -> None:
    with pytest.raises(ValueError, match=r"must not contain credentials \(user:password@\)") as raised:
        EventClient(api_url, "TestService", TOPICS)
    assert "secret" not in str(raised.value)
    assert "token" not in str(raised.value)


def test_api_url_of_another_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="api_url must be a str or None, got bytes"):
        EventClient(b"https://api.example.com", "TestService", TOPICS)  # type: ignore[arg-type]


def test_only_none_means_log_only() -> None:
    client = EventClient(None, "TestService", TOPICS)
    assert client.publish_url is None
    assert type(client.transport).__name__ == "LoggingTransport"


def test_a_path_prefix_is_kept_and_trailing_slashes_dropped() -> None:
    client = EventClient("https://api.example.com/prefix//", "TestService", TOPICS)
    assert client.publish_url == "https://api.example.com/prefix/events"
    assert client.publish_bulk_url == "https://api.example.com/prefix/events/bulk/"


@pytest.mark.parametrize("suffix", ["", "/"])
def test_good_api_url_delivers(api: EventsAPIServer, suffix: str) -> None:
    client = EventClient(api.url + suffix, "TestService", TOPICS, retry=FAST)
    try:
        with client.service_session("job-1") as session:
            session.created_test({"id": "1"})
    finally:
        client.close()
    assert [event.data for event in api.accepted] == [{"id": "1"}]


# --- ids --------------------------------------------------------------------------------------


@pytest.fixture
def local_client() -> EventClient:
    return EventClient(None, "TestService", TOPICS)


@pytest.mark.parametrize(
    ("user_id", "job_id", "error", "message"),
    [
        (None, "job-1", TypeError, "user_id must be a str, got NoneType"),
        (42, "job-1", TypeError, "user_id must be a str, got int"),
        ("", "job-1", ValueError, "user_id must not be empty"),
        ("user\n1", "job-1", ValueError, "user_id must not contain control characters"),
        ("user\x001", "job-1", ValueError, "user_id must not contain control characters"),
        ("user\ud8001", "job-1", ValueError, "user_id must not contain control characters"),
        ("user-1", None, TypeError, "job_id must be a str, got NoneType"),
        ("user-1", 42, TypeError, "job_id must be a str, got int"),
        ("user-1", "", ValueError, "job_id must not be empty"),
        ("user-1", "job\r\nx-injected: 1", ValueError, "job_id must not contain control characters"),
        ("user-1", "job\t1", ValueError, "job_id must not contain control characters"),
        ("user-1", "job-é", ValueError, "job_id must be printable ASCII"),
        ("user-1", "job-\u2028", ValueError, "job_id must be printable ASCII"),
        ("user-1", " job-1", ValueError, "job_id must not start or end with a space"),
    ],
)
def test_bad_ids_are_refused_when_the_session_is_created(
    local_client: EventClient, user_id: Any, job_id: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=f"^{message}"):
        local_client.user_session(user_id, job_id)


@pytest.mark.parametrize("factory", ["service_session", "third_party_session"])
def test_bad_job_id_is_refused_by_every_factory(local_client: EventClient, factory: str) -> None:
    with pytest.raises(ValueError, match=r"^job_id must not contain control characters"):
        getattr(local_client, factory)("job\n1")


@pytest.mark.parametrize(
    ("service_name", "error"), [(None, TypeError), ("", ValueError), ("Service\n", ValueError)]
)
def test_bad_service_name_is_refused_by_the_client(service_name: Any, error: type[Exception]) -> None:
    """The service name is the actor id of service and third-party sessions."""
    with pytest.raises(error, match=r"^service_name must"):
        EventClient(None, service_name, TOPICS)


@pytest.mark.parametrize(
    ("user_id", "job_id"),
    [
        ("user-1", "job-1"),
        ("Zoë 😀 ユーザー", "b1d7a9e2-7f0e-4a53-9d36-0c3f0e3b9a11"),
        ("42", "celery task #7 (retry 2)"),
    ],
)
def test_session_with_good_ids_delivers_them(api: EventsAPIServer, user_id: str, job_id: str) -> None:
    client = EventClient(api.url, "TestService", TOPICS, retry=FAST)
    try:
        with client.user_session(user_id, job_id) as session:
            for i in range(8):  # more than the single-request limit: the bulk path too
                session.created_test({"id": str(i)})
            session.created_test({"id": "single"})
        with client.user_session(user_id, job_id) as session:
            session.created_test({"id": "single"})
    finally:
        client.close()
    assert len(api.accepted) == 10
    assert {event.job_id for event in api.accepted} == {job_id}
    assert {event.actor for event in api.accepted} == {(user_id, "user")}
