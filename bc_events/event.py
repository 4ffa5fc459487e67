"""Event: one published event and the JSON envelope the Events API receives."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# One encoder for every event (json.dumps with options builds a new one per call).
_encode_json = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode


@dataclass(slots=True, eq=False)
class Event:
    """An event published on a session, queued until it is delivered (treat it as read-only).

    ``body`` is the JSON envelope encoded when the event was published, so later
    changes to the caller's ``data`` dict do not change what is sent.  Events
    compare by identity: publishing equal data twice makes two events.
    """

    category: str
    entity: str
    action: str
    data: Mapping[str, Any]
    actor_id: str
    actor_type: str
    job_id: str
    body: bytes = field(repr=False)

    @classmethod
    def create(
        cls,
        *,
        category: str,
        entity: str,
        action: str,
        data: Mapping[str, Any],
        actor_id: str,
        actor_type: str,
        job_id: str,
    ) -> Event:
        """Build an event and encode its envelope; raises TypeError/ValueError for non-JSON data."""
        envelope = {
            "action": action,
            "category": category,
            "entity": entity,
            "data": data,
            "actor": {"id": actor_id, "type": actor_type},
        }
        body = _encode_json(envelope).encode()
        return cls(category, entity, action, data, actor_id, actor_type, job_id, body)

    @property
    def topic_name(self) -> str:
        """The topic's full name, ``category.EntityAction``."""
        return f"{self.category}.{self.entity}{self.action}"

    def envelope(self) -> dict[str, Any]:
        """The JSON envelope as sent (decoded from ``body``)."""
        decoded: dict[str, Any] = json.loads(self.body)
        return decoded
