"""The deliverer's backlog: which commits go out together, in what order, and the bounds' counts."""

from __future__ import annotations

import pytest

from bc_events import Event
from bc_events.deliverer import DelivererLimits
from bc_events.deliverer.backlog import MAX_MERGED, Backlog, Commit


def commit(job_id: str, *names: str) -> Commit:
    events = [
        Event.create(
            category="testing",
            entity="Test",
            action="Created",
            data={"id": name},
            actor_id="u",
            actor_type="user",
            job_id=job_id,
        )
        for name in names
    ]
    return Commit.of(events, job_id, 0.0, None)


def names(batch: list[Commit]) -> list[str]:
    return [event.data["id"] for item in batch for event in item.events]


@pytest.mark.parametrize(
    ("queued", "takes"),
    [
        ([("a", "a1")], [["a1"]]),
        ([("a", "a1"), ("b", "b1"), ("a", "a2")], [["a1", "a2"], ["b1"]]),
        ([("b", "b1"), ("a", "a1"), ("b", "b2"), ("a", "a2")], [["b1", "b2"], ["a1", "a2"]]),
    ],
)
def test_the_oldest_job_goes_first_with_its_later_commits_in_order(
    queued: list[tuple[str, str]], takes: list[list[str]]
) -> None:
    backlog = Backlog()
    for job_id, name in queued:
        backlog.append(commit(job_id, name))
    taken = [names(backlog.take()) for _ in takes]
    assert taken == takes
    assert backlog.take() == []
    assert (backlog.events, backlog.bytes, backlog.idle) == (0, 0, False)  # all in flight


def test_a_job_in_flight_waits_until_its_send_finished() -> None:
    backlog = Backlog()
    backlog.append(commit("a", "a1"))
    first = backlog.take()
    backlog.append(commit("a", "a2"))
    backlog.append(commit("b", "b1"))
    assert names(backlog.take()) == ["b1"], "a's next commit waits for a's send in flight"
    backlog.finished(first)
    assert names(backlog.take()) == ["a2"]


def test_at_most_max_merged_commits_go_out_together() -> None:
    backlog = Backlog()
    for n in range(MAX_MERGED + 3):
        backlog.append(commit("a", f"a{n}"))
    first = backlog.take()
    assert len(first) == MAX_MERGED
    backlog.finished(first)
    assert names(backlog.take()) == [f"a{n}" for n in range(MAX_MERGED, MAX_MERGED + 3)]


def test_the_bounds_count_events_and_bytes_and_an_empty_queue_takes_anything() -> None:
    limits = DelivererLimits(max_events=3, max_bytes=10_000)
    backlog = Backlog()
    large = commit("a", *[f"e{n}" for n in range(5)])
    assert backlog.fits(large, limits), "one batch larger than the bounds is taken alone"
    backlog.append(commit("a", "a1", "a2"))
    assert (backlog.events, backlog.bytes) == (2, sum(len(e.body) for e in backlog.queue[0].events))
    assert backlog.fits(commit("b", "b1"), limits)
    assert not backlog.fits(commit("b", "b1", "b2"), limits)
    assert not backlog.fits(commit("b", "x" * 10_000), DelivererLimits(max_bytes=10_000))


def test_clear_returns_what_was_queued_and_what_was_in_flight() -> None:
    backlog = Backlog()
    backlog.append(commit("a", "a1"))
    backlog.take()
    backlog.append(commit("b", "b1"))
    assert sorted(names(backlog.clear())) == ["a1", "b1"]
    assert (list(backlog.queue), backlog.events, backlog.bytes) == ([], 0, 0)
