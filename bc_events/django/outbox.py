"""The outbox in Django: rows written in the caller's transaction, a store for the relay, its settings.

    BC_EVENTS = {
        "API_URL": ...,
        "OUTBOX": {
            "DATABASE": "default",      # the database alias the outbox lives in (where the work is written)
            "TOPICS": None,             # or ["billing.InvoicePaid", ...]: only these go to the outbox
            "RETENTION": 7 * 86400,     # seconds delivered rows are kept (None: forever)
            "BATCH_SIZE": 500, "INTERVAL": 1.0, "METRICS_EVERY": 60,
        },
    }

``append(events)`` inserts into the outbox with the connection of that alias,
so the rows commit or roll back with the caller's ``transaction.atomic()``
(``ATOMIC_REQUESTS`` included) and its savepoints.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction

from bc_events.event import Event
from bc_events.outbox import sql
from bc_events.outbox.sql import Cursor, Dialect
from bc_events.outbox.sqlstore import SqlStore

_OUTBOX_KEYS = frozenset({"DATABASE", "TOPICS", "RETENTION", "BATCH_SIZE", "INTERVAL", "METRICS_EVERY"})


@dataclass(frozen=True)
class OutboxSettings:
    """``BC_EVENTS["OUTBOX"]``, checked, with ``BC_EVENTS["API_URL"]``."""

    api_url: str | None
    database: str = "default"
    retention: float | None = 7 * 86400.0
    batch_size: int = 500
    interval: float = 1.0
    metrics_every: float | None = 60.0
    topics: frozenset[str] | None = None
    """The topics (``category.EntityAction``) sessions write to the outbox; None: every topic."""


def outbox_settings() -> OutboxSettings:
    """Read and check the outbox's settings; ``ImproperlyConfigured`` names the bad key."""
    return read_outbox_settings(getattr(settings, "BC_EVENTS", None) or {})


def read_outbox_settings(config: object) -> OutboxSettings:
    """Check the ``OUTBOX`` entry of a ``BC_EVENTS`` value (absent: the defaults)."""
    if not isinstance(config, Mapping):
        raise ImproperlyConfigured(f"BC_EVENTS must be a dict, got {type(config).__name__}")
    outbox = config.get("OUTBOX")
    if outbox is None:
        outbox = {}
    if not isinstance(outbox, Mapping):
        raise ImproperlyConfigured(f"BC_EVENTS['OUTBOX'] must be a dict, got {type(outbox).__name__}")
    unknown = sorted(set(outbox) - _OUTBOX_KEYS)
    if unknown:
        raise ImproperlyConfigured(
            f"BC_EVENTS['OUTBOX']: unknown key(s) {unknown}; known: {sorted(_OUTBOX_KEYS)}"
        )
    database = outbox.get("DATABASE", "default")
    if database not in settings.DATABASES:
        raise ImproperlyConfigured(f"BC_EVENTS['OUTBOX']['DATABASE'] {database!r} is not in DATABASES")
    defaults = OutboxSettings(api_url=None)
    return OutboxSettings(
        api_url=config.get("API_URL"),
        database=database,
        retention=_seconds(outbox, "RETENTION", defaults.retention, optional=True),
        batch_size=int(_seconds(outbox, "BATCH_SIZE", defaults.batch_size) or 1),
        interval=_seconds(outbox, "INTERVAL", defaults.interval) or 0.0,
        metrics_every=_seconds(outbox, "METRICS_EVERY", defaults.metrics_every, optional=True),
        topics=_topics(outbox.get("TOPICS")),
    )


def _topics(value: object) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Collection) or not value:
        raise ImproperlyConfigured(
            f"BC_EVENTS['OUTBOX']['TOPICS'] must be a non-empty list of topic names, got {value!r}"
        )
    names = list(value)
    for name in names:
        if not (isinstance(name, str) and name.count(".") == 1 and all(name.split("."))):
            raise ImproperlyConfigured(
                f"BC_EVENTS['OUTBOX']['TOPICS']: {name!r} is not a topic name (category.EntityAction)"
            )
    return frozenset(names)


def _seconds(
    config: Mapping[str, Any], key: str, default: float | None, optional: bool = False
) -> float | None:
    value = config.get(key, default)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
        raise ImproperlyConfigured(
            f"BC_EVENTS['OUTBOX'][{key!r}] must be a non-negative number, got {value!r}"
        )
    return float(value)


def dialect_of(using: str) -> Dialect:
    """The outbox SQL dialect of a Django database alias (SQLite or PostgreSQL)."""
    vendor = connections[using].vendor
    if vendor == "postgresql":
        return sql.POSTGRESQL
    if vendor == "sqlite":
        return sql.DJANGO_SQLITE
    raise ImproperlyConfigured(
        f"the bc-events outbox supports SQLite and PostgreSQL, not {vendor} ({using!r})"
    )


def append(events: Sequence[Event], using: str | None = None) -> None:
    """Write ``events`` to the outbox in the current transaction of ``using`` (one INSERT)."""
    alias = using or outbox_settings().database
    with connections[alias].cursor() as cursor:
        sql.insert(cast(Cursor, cursor), dialect_of(alias), events, time.time())


class DjangoOutboxStore(SqlStore):
    """The relay side of the outbox on a Django database alias."""

    def __init__(self, using: str = "default", **options: Any) -> None:
        super().__init__(dialect_of(using), **options)
        self.using = using

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Cursor]:
        with transaction.atomic(using=self.using), connections[self.using].cursor() as cursor:
            yield cast(Cursor, cursor)

    def close(self) -> None:
        connections[self.using].close()
