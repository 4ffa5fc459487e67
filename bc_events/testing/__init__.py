"""A local Events API for tests: a real HTTP server on 127.0.0.1, with faults on demand.

    from bc_events.testing import EventsAPIServer

    with EventsAPIServer() as api:
        client = EventClient(api.url, "MyService", "topics.yaml")
        with client.user_session("u1", "job-1") as session:
            session.publish(action="Created", entity="Test", data={"id": "1"})
        assert [event.data for event in api.accepted_for("testing.TestCreated")] == [{"id": "1"}]

In pytest, the ``events_api`` fixture (installed with bc-events as a pytest
plugin) gives each test a running, empty server.  ``python -m bc_events.testing``
runs one from the command line.

The server implements ``POST /events`` (one envelope) and ``POST /events/bulk/``
(a JSON list of envelopes, at most 250), checks every envelope and the
``x-britecore-job-id`` header, answers malformed requests with 400 and a JSON
``errorType``, and records what it accepted (``GET /events`` lists it as JSON,
``DELETE /events`` forgets it).  ``api.faults`` makes it misbehave
(throttling, 5xx, 429, partial bulk failures, slow replies, dropped connections,
replies that do not fit, permanent rejections) for the next N requests, and
``api.faults.accept`` answers a success in another shape (e.g. ``201
{"eventId": ...}``).  ``REPLY_CONTRACT`` states, in the README's words, what
the client makes of each reply.  Only the standard library is
used, so importing this package needs neither pytest nor anything else.

Modules: ``protocol`` (the API's rules: paths, envelopes, replies), ``faults``
(what ``api.faults`` arms), ``server`` (the server, its record, its HTTP loop).
"""

from bc_events.testing.faults import Faults, RandomKind
from bc_events.testing.protocol import (
    BULK_PATH,
    JOB_ID_HEADER,
    MAX_BULK_RECORDS,
    REPLY_CONTRACT,
    SINGLE_PATH,
    check_envelope,
)
from bc_events.testing.server import AcceptedEvent, EventsAPIServer, LoggedRequest

__all__ = [
    "BULK_PATH",
    "JOB_ID_HEADER",
    "MAX_BULK_RECORDS",
    "REPLY_CONTRACT",
    "SINGLE_PATH",
    "AcceptedEvent",
    "EventsAPIServer",
    "Faults",
    "LoggedRequest",
    "RandomKind",
    "check_envelope",
]
