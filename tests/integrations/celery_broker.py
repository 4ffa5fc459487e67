"""A Celery app on a filesystem broker: a transport a prefork worker and a test share with no service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from celery import Celery


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
