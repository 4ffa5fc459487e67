"""The transports live in ``bc_events.transports``; this module keeps the old import path."""

from bc_events.delivery.retry import RetryPolicy
from bc_events.transports import (
    Acknowledged,
    Cancelled,
    HttpTransport,
    LoggingTransport,
    RecordingTransport,
    Transport,
    never_cancelled,
)

__all__ = [
    "Acknowledged",
    "Cancelled",
    "HttpTransport",
    "LoggingTransport",
    "RecordingTransport",
    "RetryPolicy",
    "Transport",
    "never_cancelled",
]
