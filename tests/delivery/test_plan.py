"""Planning: requests by job, by count and by bytes; the publish-time size check."""

from __future__ import annotations

import pytest

from bc_events import EventValidationError, RecordingTransport
from bc_events.delivery.plan import check_event_size, check_request_size, plan, request_size

from .harness import make_events


def shapes(count: int, pad: int = 0, limit: int = 5 * 1024 * 1024) -> list[tuple[bool, int]]:
    return [(batch.bulk, len(batch.events)) for batch in plan(make_events(count, pad=pad), limit)]


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, []),
        (1, [(False, 1)]),
        (5, [(False, 1)] * 5),
        (6, [(True, 6)]),
        (250, [(True, 250)]),
        (251, [(True, 250), (True, 1)]),
        (600, [(True, 250), (True, 250), (True, 100)]),
    ],
)
def test_by_count(count: int, expected: list[tuple[bool, int]]) -> None:
    assert shapes(count) == expected


def test_runs_of_one_job_travel_together() -> None:
    events = make_events(3, "a") + make_events(6, "b", prefix="b") + make_events(2, "a", prefix="c")
    assert [(batch.events[0].job_id, batch.bulk, len(batch.events)) for batch in plan(events)] == [
        ("a", False, 1),
        ("a", False, 1),
        ("a", False, 1),
        ("b", True, 6),
        ("a", False, 1),
        ("a", False, 1),
    ]


@pytest.mark.parametrize("limit", [1024, 5000, 40_000, 100_003, 5 * 1024 * 1024])
@pytest.mark.parametrize("pad", [0, 300, 4000])
def test_by_bytes_every_body_fits_and_chunks_are_as_full_as_they_can_be(limit: int, pad: int) -> None:
    events = make_events(300, pad=pad)
    batches = plan(events, limit)
    if request_size(events[0].body) > limit:  # each goes alone (the flow rejects it unsent)
        assert [len(batch.events) for batch in batches] == [1] * 300
        return
    assert [event for batch in batches for event in batch.events] == events
    for batch, following in zip(batches, [*batches[1:], None], strict=True):
        assert len(batch.body()) <= limit
        assert len(batch.events) <= 250
        if following is not None and len(batch.events) < 250:  # closed because the next would not fit
            assert len(batch.body()) + 1 + len(following.events[0].body) > limit


def test_260_events_of_40_kb_fit_under_5_mib_per_request() -> None:
    events = make_events(260, pad=40_000)
    batches = plan(events)
    assert [len(batch.events) for batch in batches] == [130, 130]
    assert all(len(batch.body()) <= 5 * 1024 * 1024 for batch in batches)


def test_an_event_larger_than_the_limit_goes_alone() -> None:
    events = (
        make_events(3, pad=100) + make_events(1, pad=5000, prefix="big") + make_events(3, pad=100, prefix="z")
    )
    batches = plan(events, 2000)
    assert [len(batch.events) for batch in batches] == [3, 1, 3]


def test_halves() -> None:
    (batch,) = plan(make_events(7))
    first, second = batch.halves()
    assert (len(first.events), len(second.events), first.bulk, second.bulk) == (3, 4, True, True)
    assert first.events + second.events == batch.events


def test_check_request_size_names_the_size_and_the_limit() -> None:
    check_request_size("testing.TestCreated", b"x" * 98, 100)
    with pytest.raises(
        EventValidationError, match=r"testing.TestCreated.*101 bytes, more than the 100 bytes"
    ):
        check_request_size("testing.TestCreated", b"x" * 99, 100)


def test_check_event_size_reads_the_transports_limit_or_the_apis() -> None:
    class Small:
        max_request_bytes = 2048

    check_event_size("t.T", b"x" * 2000, Small())
    with pytest.raises(EventValidationError, match="2,050 bytes"):
        check_event_size("t.T", b"x" * 2048, Small())
    check_event_size("t.T", b"x" * (5 * 1024 * 1024 - 2), RecordingTransport())
    with pytest.raises(EventValidationError, match="5,242,881 bytes, more than the 5,242,880"):
        check_event_size("t.T", b"x" * (5 * 1024 * 1024 - 1), RecordingTransport())
