"""The Celery app a real `celery worker -P prefork` subprocess runs in test_celery_prefork.py.

Configured by the environment: ``EVENTS_API_URL`` (the local Events API) and
``BROKER_DIR`` (a filesystem broker the test process shares with the worker).
"""

from __future__ import annotations

import os
from pathlib import Path

from runtime.support import FAST, TOPICS

from bc_events import EventClient, current_session
from bc_events.celery import install

from .celery_broker import make_app

app = make_app(Path(os.environ["BROKER_DIR"]))
install(app, lambda: EventClient(os.environ["EVENTS_API_URL"], "WorkerService", TOPICS, retry=FAST))


@app.task(name="publish_pid")
def publish_pid(event_id: str) -> None:
    """Publish one event carrying the id and the worker process that ran the task."""
    current_session().publish(action="Created", entity="Test", data={"id": event_id, "n": os.getpid()})


@app.task(name="die_after_publishing")
def die_after_publishing(event_id: str) -> None:
    """A hard failure: the worker process dies mid-task (as when killed for its time limit)."""
    current_session().publish(action="Created", entity="Test", data={"id": event_id, "n": os.getpid()})
    os._exit(1)
