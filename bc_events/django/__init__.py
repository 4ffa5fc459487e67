"""The Django integration: ``"bc_events.django.EventsMiddleware"`` in MIDDLEWARE and a ``BC_EVENTS`` dict.

Each request gets a session (the job id and actor from the gateway's headers,
or from callables), bound as ``current_session()`` for the view and all it
calls, and flushed by the flush rules of ``bc_events.django.middleware``:
only when the request succeeded, and only the events whose database
transaction committed (or, in outbox mode, as outbox rows written in that
transaction: ``bc_events.django.outbox_queue``).  Importing ``bc_events`` never imports this package.
"""

from bc_events.django.middleware import EventsMiddleware
from bc_events.django.outbox_queue import OutboxQueue
from bc_events.django.settings import EventsSettings, events_settings
from bc_events.django.transactions import TransactionQueue

__all__ = ["EventsMiddleware", "EventsSettings", "OutboxQueue", "TransactionQueue", "events_settings"]
