"""Planning a flush: the requests its events go in, capped by count and by bytes.

Events of one job travel together (the job id is a header).  A run of
``SINGLE_LIMIT`` events or fewer goes one request per event to the single
path; a longer run goes to the bulk path in requests of at most
``MAX_BULK_RECORDS`` events whose JSON list stays within ``max_request_bytes``.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Sequence
from dataclasses import dataclass

from bc_events.errors import EventValidationError
from bc_events.event import Event
from bc_events.wire import MAX_BULK_RECORDS, MAX_REQUEST_BYTES, SINGLE_LIMIT

_body = operator.attrgetter("body")
_job_id = operator.attrgetter("job_id")
# attrgetter runs in C: planning and joining a 250-event request cost no Python call per event.


@dataclass(frozen=True, slots=True)
class Batch:
    """The events of one request (all of one job), and whether it goes to the bulk path."""

    events: tuple[Event, ...]
    bulk: bool

    def body(self) -> bytes:
        """The request body: the event's envelope, or a JSON list of envelopes for the bulk path."""
        if not self.bulk:
            return self.events[0].body
        return b"[" + b",".join(map(_body, self.events)) + b"]"

    def halves(self) -> tuple[Batch, Batch]:
        """Two bulk batches with the first and the second half of the events (a 413 asks for it)."""
        middle = len(self.events) // 2
        return Batch(self.events[:middle], True), Batch(self.events[middle:], True)


def plan(events: Sequence[Event], max_request_bytes: int = MAX_REQUEST_BYTES) -> list[Batch]:
    """The requests that carry ``events``, in order; an event too large for any request goes alone."""
    batches: list[Batch] = []
    for _, run in itertools.groupby(events, key=_job_id):
        same_job = tuple(run)
        if len(same_job) <= SINGLE_LIMIT:
            batches += [Batch((event,), False) for event in same_job]
        else:
            batches += _bulk_chunks(same_job, max_request_bytes)
    return batches


def _bulk_chunks(events: tuple[Event, ...], max_request_bytes: int) -> list[Batch]:
    chunks: list[Batch] = []
    start = 0
    while start < len(events):
        end = min(start + MAX_BULK_RECORDS, len(events))
        # the common case, summed in C: a full chunk fits ("[", "]" and a comma between bodies)
        if sum(map(len, map(_body, events[start:end]))) + end - start + 1 > max_request_bytes:
            end = _fitting_end(events, start, end, max_request_bytes)
        chunks.append(Batch(events[start:end], True))
        start = end
    return chunks


def _fitting_end(events: tuple[Event, ...], start: int, end: int, max_request_bytes: int) -> int:
    """Where a chunk from ``start`` must end to stay within the limit (at least one event)."""
    size = 1
    for index in range(start, end):
        size += len(events[index].body) + 1
        if size > max_request_bytes and index > start:
            return index
    return end


def request_size(event_body: bytes) -> int:
    """Bytes of the smallest request that can carry an event: a bulk list of one."""
    return len(event_body) + 2


def check_request_size(topic_name: str, event_body: bytes, limit: int) -> None:
    """Refuse an event no request can carry: ``EventValidationError`` naming its size and ``limit``."""
    size = request_size(event_body)
    if size > limit:
        raise EventValidationError(
            topic_name,
            (),
            f"the encoded event is {size:,} bytes, more than the {limit:,} bytes one request may carry "
            "(max_request_bytes)",
        )


def check_event_size(topic_name: str, event_body: bytes, transport: object) -> None:
    """``check_request_size`` against the limit ``transport`` declares (``max_request_bytes``).

    A transport that declares none (recording, logging, a custom one) gets the
    Events API's limit, so a test refuses the event production would refuse.
    """
    if len(event_body) < _SMALL:  # the common case costs one comparison
        return
    limit = getattr(transport, "max_request_bytes", MAX_REQUEST_BYTES)
    check_request_size(topic_name, event_body, limit if isinstance(limit, int) else MAX_REQUEST_BYTES)


_SMALL = 1024
"""Events smaller than this fit any request a transport accepts (``max_request_bytes`` >= 1 KiB)."""
