"""The senders: HTTP to the Events API, and the local ones (logging, recording).

``base`` holds the ``Transport`` interface; ``http`` runs the delivery core
(``bc_events.delivery``) over ``pool``'s connections; ``local`` sends nothing.
"""

from bc_events.transports.base import Acknowledged, Cancelled, Transport, never_cancelled
from bc_events.transports.http import HttpTransport
from bc_events.transports.local import LoggingTransport, RecordingTransport

__all__ = [
    "Acknowledged",
    "Cancelled",
    "HttpTransport",
    "LoggingTransport",
    "RecordingTransport",
    "Transport",
    "never_cancelled",
]
