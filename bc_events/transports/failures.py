"""urllib3's exceptions (and the socket's under them) in delivery's own words: an ``ErrorKind``."""

from __future__ import annotations

import ssl

import urllib3
from urllib3.exceptions import LocationValueError, ProtocolError, ProxyError, SSLError

from bc_events.delivery.messages import ErrorKind


def error_kind(error: BaseException) -> ErrorKind:
    """What kind of failure an exception of urllib3 (or of the socket under it) is."""
    if isinstance(error, LocationValueError):
        return ErrorKind.CONFIGURATION
    if is_tls_configuration_error(error):
        return ErrorKind.TLS_CONFIGURATION
    if isinstance(error, urllib3.exceptions.TimeoutError | TimeoutError):
        return ErrorKind.TIMEOUT
    if isinstance(error, ProtocolError | ProxyError | OSError | urllib3.exceptions.NewConnectionError):
        return ErrorKind.CONNECT
    return ErrorKind.PROTOCOL


_CONFIGURATION_SSL_REASONS = frozenset({"WRONG_VERSION_NUMBER", "UNSUPPORTED_PROTOCOL"})
"""OpenSSL reasons that mean the two sides cannot talk TLS at all (e.g. https to a plain-HTTP port)."""


def is_tls_configuration_error(error: BaseException) -> bool:
    """A certificate that does not verify, or a server that does not speak TLS: retrying cannot help."""
    if not isinstance(error, SSLError | ssl.SSLError):
        return False
    seen: list[BaseException] = [error]
    for _ in range(16):  # urllib3 wraps ssl's error, in args or as the cause; never loop for ever
        if not seen:
            break
        cause = seen.pop()
        if isinstance(cause, ssl.SSLCertVerificationError):
            return True
        if isinstance(cause, ssl.SSLError) and getattr(cause, "reason", None) in _CONFIGURATION_SSL_REASONS:
            return True
        seen += [arg for arg in cause.args if isinstance(arg, BaseException)]
        if cause.__cause__ is not None:
            seen.append(cause.__cause__)
    return False
