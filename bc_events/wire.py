"""The Events API on the wire: paths, the job-id header and the limits of one request.

One home for these values: the client's URL properties and the transport both
read them here.  ``bc_events.testing.protocol`` repeats them on purpose, as an
independent statement of the protocol the local server checks the client against.
"""

from __future__ import annotations

EVENTS_PATH = "/events"
"""``POST`` one event envelope here."""

BULK_PATH = "/events/bulk/"
"""``POST`` a JSON list of envelopes here; the reply has one result per record."""

JOB_ID_HEADER = "x-britecore-job-id"
"""Every request carries the job id of its events in this header."""

SINGLE_LIMIT = 5
"""Runs of this many events or fewer go one request per event; longer runs go in bulk."""

MAX_BULK_RECORDS = 250
"""At most this many events in one bulk request."""

MAX_REQUEST_BYTES = 5 * 1024 * 1024
"""Default cap on one request's body: 5 MiB, the limit of Kinesis PutRecords behind the API."""

MAX_REPLY_BYTES = 64 * 1024
"""At most this much of a reply body is read; a longer body counts as a reply that does not fit."""

SUCCESS = "Success"
"""The result of an accepted event: ``{"status": "Success"}``, or a bulk record ``"Success"``."""
