"""Proxies (HTTPS_PROXY / HTTP_PROXY / NO_PROXY, or proxy=) through a real forward proxy; redirects."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator

import pytest
import trustme

from bc_events import EventClient, HttpTransport, PublishError
from bc_events.testing import BULK_PATH, SINGLE_PATH, EventsAPIServer

from .forwardproxy import ForwardProxy
from .rawserver import RawServer, read_request
from .support import FAST, TOPICS, accepted_ids, publish_tests, queued_ids

PROXY_VARIABLES = ["http_proxy", "https_proxy", "all_proxy", "no_proxy"]


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No proxy variables but those a test sets (in either case, as urllib reads both)."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    with ForwardProxy() as running:
        yield running


def client_on(url: str, **options: str) -> EventClient:
    transport = HttpTransport(url, retry=FAST, **options)
    return EventClient(url, "TestService", TOPICS, transport=transport)


def test_http_proxy_carries_plain_http_requests(
    environment: pytest.MonkeyPatch, proxy: ForwardProxy, api: EventsAPIServer
) -> None:
    environment.setenv("HTTP_PROXY", proxy.url)
    with client_on(api.url) as client:
        session = client.service_session("job-1")
        ids = publish_tests(session, 2)
        session.flush()
        ids += publish_tests(session, 10, prefix="b")
        session.flush()
        assert client.transport.proxy == proxy.url  # type: ignore[attr-defined]
    assert accepted_ids(api) == ids
    assert proxy.lines == [
        f"POST {api.url}{SINGLE_PATH}",
        f"POST {api.url}{SINGLE_PATH}",
        f"POST {api.url}{BULK_PATH}",
    ]


def test_no_proxy_bypasses_the_proxy(
    environment: pytest.MonkeyPatch, proxy: ForwardProxy, api: EventsAPIServer
) -> None:
    environment.setenv("HTTP_PROXY", proxy.url)
    environment.setenv("NO_PROXY", "localhost,127.0.0.1")
    with client_on(api.url) as client:
        session = client.service_session("job-1")
        ids = publish_tests(session, 3)
        session.flush()
        assert client.transport.proxy is None  # type: ignore[attr-defined]
    assert accepted_ids(api) == ids
    assert proxy.lines == []


@pytest.fixture(scope="module")
def certificate_authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def https_api(
    certificate_authority: trustme.CA, environment: pytest.MonkeyPatch
) -> Iterator[tuple[str, list[bytes]]]:
    """A raw HTTPS server that accepts every request; yields its URL and the request heads."""
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate_authority.issue_cert("127.0.0.1").configure_cert(tls)
    heads: list[bytes] = []

    def handle(connection: socket.socket, stopping: threading.Event) -> None:
        while not stopping.is_set():
            heads.append(read_request(connection))
            body = b'{"status": "Success"}'
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))

    with certificate_authority.cert_pem.tempfile() as ca_file, RawServer(handle, tls=tls) as server:
        environment.setenv("SSL_CERT_FILE", ca_file)
        yield server.url, heads


def test_https_proxy_tunnels_https_requests_with_connect(
    environment: pytest.MonkeyPatch, proxy: ForwardProxy, https_api: tuple[str, list[bytes]]
) -> None:
    url, heads = https_api
    environment.setenv("HTTPS_PROXY", proxy.url)
    environment.setenv("NO_PROXY", "example.com")  # another host: does not apply
    with client_on(url) as client:
        session = client.service_session("job-1")
        publish_tests(session, 3)
        session.flush()
    host_port = url.removeprefix("https://")
    assert proxy.lines == [f"CONNECT {host_port}"]  # one tunnel, kept alive for the three requests
    assert len(heads) == 3
    assert all(head.startswith(b"POST /events HTTP/1.1") for head in heads)


def test_https_proxy_is_not_used_for_a_no_proxy_host(
    environment: pytest.MonkeyPatch, proxy: ForwardProxy, https_api: tuple[str, list[bytes]]
) -> None:
    url, heads = https_api
    environment.setenv("HTTPS_PROXY", proxy.url)
    environment.setenv("NO_PROXY", "127.0.0.1")
    with client_on(url) as client:
        session = client.service_session("job-1")
        publish_tests(session, 2)
        session.flush()
    assert proxy.lines == []
    assert len(heads) == 2


def test_http_proxy_does_not_apply_to_https(
    environment: pytest.MonkeyPatch, proxy: ForwardProxy, https_api: tuple[str, list[bytes]]
) -> None:
    url, heads = https_api
    environment.setenv("HTTP_PROXY", proxy.url)
    with client_on(url) as client:
        session = client.service_session("job-1")
        publish_tests(session, 1)
        session.flush()
    assert (proxy.lines, len(heads)) == ([], 1)


def test_an_explicit_proxy_wins_over_the_environment_and_sends_its_credentials(
    environment: pytest.MonkeyPatch, proxy: ForwardProxy, api: EventsAPIServer
) -> None:
    environment.setenv("NO_PROXY", "*")
    with_credentials = proxy.url.replace("http://", "http://user:p%40ss@")
    with client_on(api.url, proxy=with_credentials) as client:
        session = client.service_session("job-1")
        publish_tests(session, 1)
        session.flush()
    assert proxy.lines == [f"POST {api.url}{SINGLE_PATH}"]
    assert proxy.authorizations == ["Basic dXNlcjpwQHNz"]  # user:p@ss


def test_proxy_empty_string_means_none(
    environment: pytest.MonkeyPatch, proxy: ForwardProxy, api: EventsAPIServer
) -> None:
    environment.setenv("HTTP_PROXY", proxy.url)
    with client_on(api.url, proxy="") as client:
        session = client.service_session("job-1")
        publish_tests(session, 1)
        session.flush()
    assert proxy.lines == []
    assert len(api.accepted) == 1


@pytest.mark.parametrize("value", ["socks5://127.0.0.1:1080", "ftp://proxy:21"])
def test_an_unsupported_proxy_scheme_is_refused_when_the_transport_is_made(value: str) -> None:
    with pytest.raises(ValueError, match="only http:// and https:// proxies"):
        HttpTransport("http://127.0.0.1:1", proxy=value)


def test_a_proxy_without_a_scheme_is_read_as_http(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("HTTPS_PROXY", "proxy.internal:3128")
    assert HttpTransport("https://events.example.com").proxy == "http://proxy.internal:3128"


# --- redirects ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_not_followed_and_is_reported_with_its_location(status: int) -> None:
    heads: list[bytes] = []

    def handle(connection: socket.socket, stopping: threading.Event) -> None:
        while not stopping.is_set():
            heads.append(read_request(connection))
            connection.sendall(
                b"HTTP/1.1 %d Moved\r\nLocation: https://events.example.com/v2/events\r\n"
                b"Content-Length: 0\r\n\r\n" % status
            )

    with RawServer(handle) as server, client_on(server.url) as client:
        session = client.service_session("job-1")
        ids = publish_tests(session, 2)
        with pytest.raises(PublishError) as raised:
            session.flush()
    assert f"HTTP {status} redirect to https://events.example.com/v2/events" in raised.value.reason
    assert len(heads) == 1  # not followed, not retried, and the flush stopped
    assert queued_ids(session) == ids
