"""bc_events.celery under a real `celery worker -P prefork -c 4` subprocess, on a filesystem broker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

import bc_events
from bc_events import EventClient
from bc_events.celery import install
from bc_events.testing import EventsAPIServer

from .celery_broker import make_app
from .support import FAST, TOPICS, client_factory, wait_for_events

TESTS = Path(__file__).resolve().parent.parent
TASKS = 200


@pytest.fixture(scope="module")
def worker(module_api: EventsAPIServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A prefork worker of 4 processes on a broker in a temporary folder; shut down at the end."""
    broker_dir = tmp_path_factory.mktemp("broker")
    env = {
        **os.environ,
        "EVENTS_API_URL": module_api.url,
        "BROKER_DIR": str(broker_dir),
        "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
    }
    command = [sys.executable, "-m", "celery", "-A", "integrations.prefork_app", "worker"]
    command += ["-P", "prefork", "-c", "4", "--loglevel", "WARNING", "--without-heartbeat"]
    command += ["--without-gossip", "--without-mingle"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        yield broker_dir
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output)


@pytest.mark.slow
def test_200_tasks_across_a_prefork_pool_deliver_every_event_exactly_once(
    worker: Path, api: EventsAPIServer
) -> None:
    producer = make_app(worker)
    install(producer, client_factory(api, "WebService"))  # as the web service's own copy of the app would
    client = EventClient(api.url, "WebService", TOPICS, retry=FAST)
    sent = [f"task-{i}" for i in range(TASKS)]
    with client.user_session("user-5", "job-bulk") as session, bc_events.bind_session(session):
        for event_id in sent:
            producer.send_task("publish_pid", args=(event_id,))
    client.close()
    deadline = time.monotonic() + 50
    while len(api.accepted) < TASKS and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # anything delivered twice would arrive by now
    received = wait_for_events(api, TASKS, timeout=0)
    assert Counter(received) == Counter(sent), "every event exactly once"
    assert {(event.job_id, event.actor) for event in api.accepted} == {("job-bulk", ("user-5", "user"))}
    pids = Counter(event.data["n"] for event in api.accepted)
    assert len(pids) > 1, f"the tasks ran in one process only: {pids}"


def test_a_task_whose_process_dies_delivers_nothing_and_the_pool_goes_on(
    worker: Path, api: EventsAPIServer
) -> None:
    producer = make_app(worker)
    producer.send_task("die_after_publishing", args=("died",))
    time.sleep(1.0)  # let it die before the others are sent, so a fresh process replaces it
    for event_id in ("after-1", "after-2"):
        producer.send_task("publish_pid", args=(event_id,))
    assert sorted(wait_for_events(api, 2, timeout=30)) == ["after-1", "after-2"]
    time.sleep(0.5)
    assert "died" not in [event.data["id"] for event in api.accepted]
