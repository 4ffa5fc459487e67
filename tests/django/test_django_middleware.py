"""EventsMiddleware: who the session is, one per request and never beyond it, and its settings."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import events_gen
import flush_views
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django_support import ROOT, SERVERS, accepted_ids, request

from bc_events import bound_session
from bc_events.deliverer import wait_all_delivered
from bc_events.django import EventsMiddleware
from bc_events.django.settings import read_settings
from bc_events.testing import EventsAPIServer

pytestmark = pytest.mark.django_db(transaction=True)


def whoami(server: str, headers: dict[str, str] | None = None, **query: str) -> dict[str, Any]:
    response = request(server, "/t/whoami/", headers, **query)
    assert response.status_code == 200, response
    reply: dict[str, Any] = json.loads(response.content)
    return reply


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.usefixtures("events_settings")
def test_job_and_user_come_from_the_gateway_s_headers(events_api: EventsAPIServer, server: str) -> None:
    headers = {"X-BriteCore-Job-Id": "job-42", "X-BriteCore-User-Id": "user-9"}
    assert whoami(server, headers)["actor"] == ["user-9", "user"]
    [event] = events_api.accepted
    assert (event.job_id, event.actor) == ("job-42", ("user-9", "user"))


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.usefixtures("events_settings")
def test_without_headers_a_service_session_with_a_new_job_id(server: str) -> None:
    first, second = whoami(server), whoami(server)
    assert first["actor"] == second["actor"] == ["PolicyService", "service"]
    assert uuid.UUID(first["job_id"]).version == 4
    assert first["job_id"] != second["job_id"]


@pytest.mark.parametrize("server", SERVERS)
def test_id_callables_override_the_headers(
    settings: Any, events_settings: dict[str, Any], events_api: EventsAPIServer, server: str
) -> None:
    settings.BC_EVENTS = {
        **events_settings,
        "USER_ID": "flush_views.user_from_attribute",
        "JOB_ID": lambda request: "job-from-code",
        "USER_ID_HEADER": "X-Ignored",
    }
    headers = {"X-BriteCore-Job-Id": "job-from-header", "X-BriteCore-User-Id": "user-from-header"}
    reply = whoami(server, headers, user="ada")
    assert (reply["job_id"], reply["actor"]) == ("job-from-code", ["ada", "user"])
    assert whoami(server)["actor"] == ["PolicyService", "service"]


@pytest.mark.parametrize("server", SERVERS)
def test_the_header_names_are_configurable(
    settings: Any, events_settings: dict[str, Any], server: str
) -> None:
    settings.BC_EVENTS = {**events_settings, "JOB_ID_HEADER": "X-Request-Id", "USER_ID_HEADER": "X-User"}
    reply = whoami(server, {"X-Request-Id": "req-1", "X-User": "u-2", "X-BriteCore-Job-Id": "nope"})
    assert (reply["job_id"], reply["actor"]) == ("req-1", ["u-2", "user"])


@pytest.mark.usefixtures("events_settings")
def test_32_concurrent_requests_each_get_their_own_session_and_job_id(events_api: EventsAPIServer) -> None:
    count = 32
    flush_views.RENDEZVOUS[:] = [threading.Barrier(count)]  # all 32 are inside the view at once

    def one(index: int) -> dict[str, Any]:
        return whoami("wsgi", {"X-BriteCore-Job-Id": f"job-{index}"}, rendezvous="1")

    with ThreadPoolExecutor(count) as pool:
        replies = list(pool.map(one, range(count)))
    assert [reply["job_id"] for reply in replies] == [f"job-{i}" for i in range(count)]
    assert len({reply["session"] for reply in replies}) == count
    assert len({reply["thread"] for reply in replies}) == count
    # each event went out under its own request's job id
    assert sorted((event.job_id, event.data["id"]) for event in events_api.accepted) == sorted(
        (f"job-{i}", f"job-{i}") for i in range(count)
    )


@pytest.mark.usefixtures("events_settings")
def test_the_session_never_outlives_its_request_even_when_the_view_raises() -> None:
    client = Client(raise_request_exception=False)  # WSGI: the request runs in this thread
    assert bound_session() is None
    ok = client.get("/t/whoami/")
    assert bound_session() is None
    failed = client.get("/t/whoami/", {"fail": "1"})
    assert failed.status_code == 500
    assert bound_session() is None
    again = client.get("/t/whoami/")
    assert json.loads(again.content)["job_id"] != json.loads(ok.content)["job_id"]


@pytest.mark.usefixtures("events_settings")
def test_an_exception_escaping_the_handler_still_unbinds_and_drops(events_api: EventsAPIServer) -> None:
    client = Client(raise_request_exception=True)  # the test client re-raises the view's exception
    with pytest.raises(flush_views.Oops):
        client.get("/t/whoami/", {"fail": "1"})
    assert bound_session() is None
    assert events_api.accepted == []


@pytest.mark.parametrize("server", SERVERS)
def test_untyped_client_from_topics(settings: Any, events_api: EventsAPIServer, server: str) -> None:
    settings.BC_EVENTS = {
        "API_URL": events_api.url,
        "SERVICE_NAME": "PolicyService",
        "TOPICS": ROOT / "generated_example" / "topics.yaml",
    }
    assert request(server, "/t/untyped/").status_code == 200
    assert accepted_ids(events_api) == ["a", "b"]


def test_the_session_is_the_generated_typed_one() -> None:
    config = read_settings(
        {"LOG_ONLY": True, "SERVICE_NAME": "PolicyService", "CLIENT": "events_gen.EventClient"}
    )
    client = config.client.get()
    session = client.service_session("job-1")
    assert isinstance(client, events_gen.EventClient)
    assert isinstance(session, events_gen.EventSession)
    assert config.client.get() is client, "one client per process"


LOG = {"LOG_ONLY": True}
CLIENT = {**LOG, "SERVICE_NAME": "S", "CLIENT": "events_gen.EventClient"}
BAD_SETTINGS = [
    (None, "needs the BC_EVENTS setting"),
    ({**CLIENT, "API_ULR": "x"}, "unknown key(s) ['API_ULR']"),
    ({**LOG, "CLIENT": "events_gen.EventClient"}, "BC_EVENTS['SERVICE_NAME'] must be a non-empty str"),
    ({**LOG, "SERVICE_NAME": "S"}, "exactly one of 'CLIENT'"),
    ({**CLIENT, "TOPICS": "t.yaml"}, "exactly one of 'CLIENT'"),
    ({**LOG, "SERVICE_NAME": "S", "CLIENT": "events_gen.Nope"}, "BC_EVENTS['CLIENT'] cannot be imported"),
    ({**CLIENT, "CLIENT": "events_gen.current_session"}, "must name a bc_events.EventClient subclass"),
    (
        {"SERVICE_NAME": "S", "TOPICS": "t", "API_URL": 8000},
        "BC_EVENTS['API_URL'] must be the Events API's URL",
    ),
    ({**LOG, "SERVICE_NAME": "S", "TOPICS": "t", "ON_UNDELIVERED": "events_gen.__name__"}, "a callable"),
    ({**LOG, "SERVICE_NAME": "S", "TOPICS": "t", "JOB_ID_HEADER": ""}, "BC_EVENTS['JOB_ID_HEADER'] must be"),
    # Log-only is asked for, never inferred from a missing URL (an unset environment variable).
    ({"SERVICE_NAME": "S", "TOPICS": "t"}, "BC_EVENTS['API_URL'] is missing or None"),
    ({"SERVICE_NAME": "S", "TOPICS": "t", "API_URL": None}, "or set BC_EVENTS['LOG_ONLY'] = True"),
    ({**CLIENT, "API_URL": "http://events"}, "BC_EVENTS['LOG_ONLY'] is True but API_URL is set"),
    ({**CLIENT, "LOG_ONLY": "yes"}, "BC_EVENTS['LOG_ONLY'] must be True or False"),
    ({**CLIENT, "SYNC": 1}, "BC_EVENTS['SYNC'] must be True or False"),
    ({**CLIENT, "RETRY": {"total_tiem": 3}}, "BC_EVENTS['RETRY'] has unknown field(s) ['total_tiem']"),
    ({**CLIENT, "RETRY": {"total_time": -1}}, "BC_EVENTS['RETRY'] RetryPolicy: total_time must be"),
    ({**CLIENT, "RETRY": 5}, "BC_EVENTS['RETRY'] must be a dict of RetryPolicy fields"),
    (
        {**CLIENT, "DELIVERER": {"max_events": 0}},
        "BC_EVENTS['DELIVERER'] DelivererLimits: max_events must be",
    ),
]


def test_retry_and_deliverer_settings_reach_the_client() -> None:
    config = read_settings(
        {
            **CLIENT,
            "RETRY": {"total_time": 3.0, "attempt_timeout": 1.0},
            "DELIVERER": {"max_events": 7, "full_wait": 0.01},
            "SYNC": True,
        }
    )
    client = config.client.get()
    assert (client.retry.total_time, client.retry.attempt_timeout) == (3.0, 1.0)
    assert (client.deliverer.total_time, client.deliverer.limits.max_events) == (3.0, 7)
    assert client.deliverer.limits.full_wait == 0.01
    assert config.sync is True
    client.close()


@pytest.mark.parametrize(("config", "message"), BAD_SETTINGS)
def test_settings_mistakes_are_named(config: object, message: str) -> None:
    with pytest.raises(ImproperlyConfigured) as raised:
        read_settings(config)
    assert message in str(raised.value)


def test_a_settings_mistake_stops_the_start_up(settings: Any) -> None:
    settings.BC_EVENTS = {"SERVICE_NAME": "S", "LOG_ONLY": True}
    with pytest.raises(ImproperlyConfigured, match="exactly one of"):
        EventsMiddleware(lambda request: HttpResponse())
    del settings.BC_EVENTS
    with pytest.raises(ImproperlyConfigured, match="needs the BC_EVENTS setting"):
        EventsMiddleware(lambda request: HttpResponse())


@pytest.mark.usefixtures("events_settings")
def test_the_middleware_is_sync_and_async_capable() -> None:
    assert EventsMiddleware.sync_capable
    assert EventsMiddleware.async_capable

    async def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    from asgiref.sync import iscoroutinefunction

    assert iscoroutinefunction(EventsMiddleware(view))


def test_importing_bc_events_does_not_import_django() -> None:
    code = "import sys, bc_events, bc_events.unit_of_work, bc_events.testing\n"
    code += "assert 'django' not in sys.modules, sorted(sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_an_id_callable_may_return_an_int_key(
    settings: Any, events_settings: dict[str, Any], events_api: Any
) -> None:
    settings.BC_EVENTS = {**events_settings, "USER_ID": lambda request: 42}
    assert Client().get("/t/whoami/").status_code == 200
    assert wait_all_delivered()
    assert [event.actor for event in events_api.accepted] == [("42", "user")]


def test_an_id_callable_returning_something_else_is_logged_not_raised(
    settings: Any, events_settings: dict[str, Any], events_api: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.BC_EVENTS = {**events_settings, "USER_ID": lambda request: object()}
    assert Client().get("/t/whoami/").status_code == 200
    assert wait_all_delivered()
    assert [event.actor[1] for event in events_api.accepted] == ["service"]
    assert any("BC_EVENTS['USER_ID'] returned" in record.getMessage() for record in caplog.records)


def test_an_api_url_that_cannot_work_stops_the_start_up(events_settings: dict[str, Any]) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from bc_events.django.settings import read_settings

    with pytest.raises(ImproperlyConfigured, match=r"BC_EVENTS\['API_URL'\].*absolute"):
        read_settings({**events_settings, "API_URL": "events.internal:8080"})


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.usefixtures("events_settings")
def test_an_unusable_job_id_header_is_replaced_with_a_warning(
    caplog: pytest.LogCaptureFixture, server: str
) -> None:
    with caplog.at_level(logging.WARNING, logger="bc.events"):
        reply = whoami(server, {"X-BriteCore-Job-Id": "jöb 7", "X-BriteCore-User-Id": "user-1"})
    assert uuid.UUID(reply["job_id"]).version == 4
    assert reply["actor"] == ["user-1", "user"]
    assert any("unusable job id" in record.getMessage() for record in caplog.records)
