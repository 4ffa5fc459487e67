"""The Celery app a real `celery worker -P prefork` subprocess runs in test_celery_prefork.py.

Configured by the environment: ``EVENTS_API_URL`` (the local Events API) and
``BROKER_DIR`` (a filesystem broker the test process shares with the worker).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from celery import Celery
from runtime.support import FAST, TOPICS

from bc_events import EventClient, current_session
from bc_events.celery import install


def broker_options(broker_dir: Path) -> dict[str, Any]:
    """The filesystem transport's folders: one queue folder both ways, processed messages kept apart."""
    for name in ("queue", "processed", "control"):
        (broker_dir / name).mkdir(parents=True, exist_ok=True)
    queue = str(broker_dir / "queue")
    return {
        "data_folder_in": queue,
        "data_folder_out": queue,
        "processed_folder": str(broker_dir / "processed"),
        "control_folder": str(broker_dir / "control"),
        "polling_interval": 0.1,
    }


def make_app(broker_dir: Path) -> Celery:
    """An app on the filesystem broker in ``broker_dir`` (no result backend: the test reads the API)."""
    app = Celery("prefork_app", broker="filesystem://", set_as_current=False)
    app.conf.update(
        broker_transport_options=broker_options(broker_dir),
        task_ignore_result=True,
        worker_enable_remote_control=False,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
    )
    return app


app = make_app(Path(os.environ.get("BROKER_DIR", ".celery-broker")))
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
