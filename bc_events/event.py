"""Event: one published event and the JSON envelope the Events API receives."""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


def _not_json(value: object) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _data_encoder() -> Callable[[Any], str]:
    """Compact JSON, NaN refused, no cycle check: data reaches it as ``bc_events.values`` copies it.

    ``json.JSONEncoder.encode`` builds a new native encoder on every call, which
    is most of an event's encoding time; this one is built once.  Where the
    native encoder is missing or behaves otherwise, the documented API does
    the same job.
    """
    fallback = json.JSONEncoder(separators=(",", ":"), allow_nan=False, check_circular=False).encode
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return fallback
    try:
        native = make(
            None, _not_json, json.encoder.encode_basestring_ascii, None, ":", ",", False, False, False
        )
    except TypeError:  # another interpreter's signature
        return fallback
    join = "".join

    def encode(data: Any) -> str:
        return join(native(data, 0))

    sample = {"a": [1, 2.5, True, None, "\u00e9"]}
    return encode if encode(sample) == fallback(sample) and _refuses_nan(encode) else fallback


def _refuses_nan(encode: Callable[[Any], str]) -> bool:
    try:
        encode(float("nan"))
    except ValueError:
        return True
    return False


_encode_data = _data_encoder()
_encode_str = json.encoder.encode_basestring_ascii
_ENVELOPE = '{"action":%s,"category":%s,"entity":%s,"data":%s,"actor":{"id":%s,"type":%s}}'
"""The envelope's keys in the order the Events API has always received them."""


@dataclass(slots=True, eq=False)
class Event:
    """An event published on a session, queued until it is delivered (treat it as read-only).

    ``data`` is the plain-JSON copy ``publish()`` made of the caller's data and
    ``body`` the JSON envelope encoded from it then: a snapshot, so later
    changes to the caller's dict change neither.  Events compare by identity:
    publishing equal data twice makes two events.
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
        """Build an event and encode its envelope once.

        ``data`` should be plain JSON values, as ``PayloadValidator.validate``
        returns them (``publish()`` passes that copy); other data raises
        ``TypeError`` or ``ValueError``.
        """
        try:
            encoded = _encode_data(data)
        except RecursionError:  # no cycle check in the fast encoder: data that contains itself ends here
            raise ValueError("data contains itself or is nested too deeply for JSON") from None
        envelope = _ENVELOPE % (
            _encode_str(action),
            _encode_str(category),
            _encode_str(entity),
            encoded,
            _encode_str(actor_id),
            _encode_str(actor_type),
        )
        return cls(category, entity, action, data, actor_id, actor_type, job_id, envelope.encode())

    @property
    def topic_name(self) -> str:
        """The topic's full name, ``category.EntityAction``."""
        return f"{self.category}.{self.entity}{self.action}"

    def envelope(self) -> dict[str, Any]:
        """The JSON envelope as sent (decoded from ``body``)."""
        decoded: dict[str, Any] = json.loads(self.body)
        return decoded
