"""httpx's exceptions in delivery's words: the same ErrorKind the sync transport gives the same failure."""

from __future__ import annotations

import ssl

import httpx
import pytest

from bc_events.delivery.messages import ErrorKind
from bc_events.transports.async_http import AsyncHttpTransport, error_kind


def wrapping(outer: BaseException, cause: BaseException) -> BaseException:
    outer.__cause__ = cause
    return outer


def wrong_version() -> ssl.SSLError:
    error = ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number")
    error.reason = "WRONG_VERSION_NUMBER"  # what OpenSSL sets on a reply that is not TLS
    return error


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (httpx.ConnectTimeout("timed out"), ErrorKind.TIMEOUT),
        (httpx.ReadTimeout("timed out"), ErrorKind.TIMEOUT),
        (TimeoutError(), ErrorKind.TIMEOUT),
        (httpx.ConnectError("refused"), ErrorKind.CONNECT),
        (httpx.RemoteProtocolError("Server disconnected without sending a response."), ErrorKind.CONNECT),
        (httpx.ReadError("reset"), ErrorKind.CONNECT),
        (ConnectionResetError(), ErrorKind.CONNECT),
        (httpx.UnsupportedProtocol("ftp"), ErrorKind.CONFIGURATION),
        (httpx.InvalidURL("bad"), ErrorKind.CONFIGURATION),
        (
            wrapping(
                httpx.ConnectError("verify"), ssl.SSLCertVerificationError(1, "certificate verify failed")
            ),
            ErrorKind.TLS_CONFIGURATION,
        ),
        (wrapping(httpx.ConnectError("not TLS"), wrong_version()), ErrorKind.TLS_CONFIGURATION),
        (wrapping(httpx.ConnectError("eof"), ssl.SSLEOFError(8, "EOF")), ErrorKind.CONNECT),
        (httpx.DecodingError("bad"), ErrorKind.PROTOCOL),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else str(value),
)
def test_error_kind(error: BaseException, kind: ErrorKind) -> None:
    assert error_kind(error) is kind


@pytest.mark.parametrize("value", ["ftp://events.example.com", "events.example.com"])
def test_an_unusable_api_url_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="http"):
        AsyncHttpTransport(value)


def test_too_small_a_request_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="max_request_bytes"):
        AsyncHttpTransport("http://127.0.0.1:9", max_request_bytes=10)
