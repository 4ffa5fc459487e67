"""The ``BC_EVENTS`` settings dict: read once, checked with clear ``ImproperlyConfigured`` errors.

    BC_EVENTS = {
        "API_URL": os.environ.get("EVENTS_API_URL"),         # required, unless "LOG_ONLY": True
        # "LOG_ONLY": True,                  # local development: log events, send nothing (no API_URL)
        "SERVICE_NAME": "PolicyService",
        "CLIENT": "policy_service.events_gen.EventClient",   # a generated client, or:
        # "TOPICS": BASE_DIR / "topics.yaml",                # with the untyped bc_events.EventClient
        # "JOB_ID_HEADER": "X-BriteCore-Job-Id", "USER_ID_HEADER": "X-BriteCore-User-Id",
        # "JOB_ID": None, "USER_ID": None,   # dotted paths to callables(request) -> str | None
        # "ON_UNDELIVERED": None,            # dotted path to a callable(PublishError)
        # "RETRY": {"total_time": 30.0, "attempt_timeout": 10.0},   # any bc_events.RetryPolicy fields
        # "DELIVERER": {"max_events": 10_000, "max_bytes": 8 * 2**20, "full_wait": 0.05,
        #               "shutdown_time": 5.0},                      # bc_events.DelivererLimits fields
        # "SYNC": False,                     # True: flush in the request, not in the background
        # "OUTBOX": {},                      # outbox mode: sessions write rows, the relay delivers
        #                                    # (keys: bc_events.django.outbox)
    }

The settings are read on first use and again after Django's ``setting_changed``
signal names ``BC_EVENTS`` (``override_settings``, pytest-django's ``settings``).
The client is created on the first request, once per process (``LazyClient``).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.http import HttpRequest
from django.utils.module_loading import import_string

from bc_events.client import EventClient, checked_api_url
from bc_events.deliverer import DelivererLimits, OnUndelivered
from bc_events.django.outbox import OutboxSettings, read_outbox_settings
from bc_events.propagation import JOB_ID_HEADER, USER_ID_HEADER, environ_key
from bc_events.retry import RetryPolicy
from bc_events.unit_of_work import LazyClient

logger = logging.getLogger("bc.events")

IdReader = Callable[[HttpRequest], "str | None"]

_KEYS = frozenset(
    {
        "API_URL",
        "SERVICE_NAME",
        "CLIENT",
        "TOPICS",
        "JOB_ID_HEADER",
        "USER_ID_HEADER",
        "JOB_ID",
        "USER_ID",
        "ON_UNDELIVERED",
        "LOG_ONLY",
        "RETRY",
        "DELIVERER",
        "SYNC",
        "OUTBOX",
    }
)


@dataclass(frozen=True)
class EventsSettings:
    """The checked ``BC_EVENTS`` of this process, with its lazily created client."""

    api_url: str | None
    service_name: str
    job_id_meta: str
    user_id_meta: str
    job_id: IdReader | None
    user_id: IdReader | None
    on_undelivered: OnUndelivered | None
    sync: bool
    client: LazyClient[EventClient] = field(compare=False)
    outbox: OutboxSettings | None = None
    """Set (``BC_EVENTS["OUTBOX"]``): sessions write their events to the outbox, the relay delivers them."""

    def read_ids(self, request: HttpRequest) -> tuple[str | int | None, str | int | None]:
        """``(job id, user id)`` of ``request``: from the callables if set, else from the headers."""
        job_id = (
            _called("JOB_ID", self.job_id, request) if self.job_id else request.META.get(self.job_id_meta)
        )
        if self.user_id:
            return job_id, _called("USER_ID", self.user_id, request)
        return job_id, request.META.get(self.user_id_meta)

    @property
    def reads_ids_with_code(self) -> bool:
        """Whether a callable reads an id (it may touch the database: not on the event loop)."""
        return self.job_id is not None or self.user_id is not None


def _called(key: str, reader: IdReader, request: HttpRequest) -> str | int | None:
    """What ``reader`` says; anything but a str, an int or None is logged and ignored, not raised."""
    value = reader(request)
    if value is None or isinstance(value, str | int):
        return value
    logger.error(
        "BC_EVENTS[%r] returned %.60r (%s), not a str or None: ignored", key, value, type(value).__name__
    )
    return None


def _error(key: str, message: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"BC_EVENTS[{key!r}] {message}")


def _callable(config: Mapping[str, Any], key: str) -> Callable[..., Any] | None:
    value = config.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = import_string(value)
        except ImportError as error:
            raise _error(key, f"cannot be imported: {error}") from None
    if not callable(value):
        raise _error(key, f"must be a dotted path to a callable, got {value!r}")
    return value  # type: ignore[no-any-return]


def _text(config: Mapping[str, Any], key: str, default: str | None) -> str:
    value = config.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise _error(key, f"must be a non-empty str, got {value!r}")
    return value


def _fields(config: Mapping[str, Any], key: str, kind: type[Any]) -> Any:
    """``kind(**config[key])`` (a dict of a dataclass's fields), or None; errors name the key."""
    value = config.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise _error(key, f"must be a dict of {kind.__name__} fields, got {value!r}")
    known = set(kind.__dataclass_fields__)
    unknown = sorted(set(value) - known)
    if unknown:
        raise _error(key, f"has unknown field(s) {unknown}; {kind.__name__} fields: {sorted(known)}")
    try:
        return kind(**value)
    except (TypeError, ValueError) as error:
        raise _error(key, str(error)) from None


def _client_factory(
    config: Mapping[str, Any], api_url: str | None, service: str
) -> Callable[[], EventClient]:
    build = _client_class(config, api_url, service)
    retry: RetryPolicy | None = _fields(config, "RETRY", RetryPolicy)
    limits: DelivererLimits | None = _fields(config, "DELIVERER", DelivererLimits)

    def make() -> EventClient:
        client = build(retry)
        if limits is not None:  # before the deliverer's first use: it has not started yet
            client.deliverer.limits = limits
        return client

    return make


def _client_class(
    config: Mapping[str, Any], api_url: str | None, service: str
) -> Callable[[RetryPolicy | None], EventClient]:
    has_client, has_topics = config.get("CLIENT") is not None, config.get("TOPICS") is not None
    if has_client == has_topics:
        raise ImproperlyConfigured(
            "BC_EVENTS needs exactly one of 'CLIENT' (dotted path to a generated EventClient) "
            "and 'TOPICS' (topic definitions for the untyped bc_events.EventClient)"
        )
    if has_topics:
        topics = config["TOPICS"]
        return lambda retry: EventClient(api_url, service, topics, retry=retry)
    client_class = _callable(config, "CLIENT")
    if not (isinstance(client_class, type) and issubclass(client_class, EventClient)):
        raise _error("CLIENT", f"must name a bc_events.EventClient subclass, got {client_class!r}")
    # A generated client embeds its topics: its constructor takes (api_url, service_name), and
    # retry= (passed only when RETRY is set, so a subclass with a narrower constructor still works).
    typed = cast("Callable[..., EventClient]", client_class)
    return lambda retry: typed(api_url, service) if retry is None else typed(api_url, service, retry=retry)


def read_settings(config: object) -> EventsSettings:
    """Check a ``BC_EVENTS`` value; ``ImproperlyConfigured`` naming the key at fault."""
    if not isinstance(config, Mapping):
        raise ImproperlyConfigured(
            "bc_events.django.EventsMiddleware needs the BC_EVENTS setting: a dict with at least "
            f"'SERVICE_NAME' and 'CLIENT' or 'TOPICS' (got {config!r})"
        )
    unknown = sorted(set(config) - _KEYS)
    if unknown:
        raise ImproperlyConfigured(f"BC_EVENTS: unknown key(s) {unknown}; known keys: {sorted(_KEYS)}")
    api_url = _api_url(config)
    service = _text(config, "SERVICE_NAME", None)
    outbox = None if config.get("OUTBOX") is None else read_outbox_settings(config)
    return EventsSettings(
        api_url=api_url,
        service_name=service,
        job_id_meta=environ_key(_text(config, "JOB_ID_HEADER", JOB_ID_HEADER)),
        user_id_meta=environ_key(_text(config, "USER_ID_HEADER", USER_ID_HEADER)),
        job_id=_callable(config, "JOB_ID"),
        user_id=_callable(config, "USER_ID"),
        on_undelivered=_callable(config, "ON_UNDELIVERED"),
        sync=_flag(config, "SYNC"),
        client=LazyClient(_recorded(_checked(_client_factory(config, api_url, service), outbox))),
        outbox=outbox,
    )


def _checked(factory: Callable[[], EventClient], outbox: OutboxSettings | None) -> Callable[[], EventClient]:
    """``factory``, refusing ``OUTBOX["TOPICS"]`` names the client's topics do not define."""
    if outbox is None or outbox.topics is None:
        return factory
    topics = outbox.topics

    def build() -> EventClient:
        client = factory()
        unknown = sorted(topics - set(client.catalog.topic_table))
        if unknown:
            client.close()
            raise ImproperlyConfigured(f"BC_EVENTS['OUTBOX']['TOPICS']: no such topic(s) {unknown}")
        return client

    return build


def _flag(config: Mapping[str, Any], key: str) -> bool:
    value = config.get(key, False)
    if not isinstance(value, bool):
        raise _error(key, f"must be True or False, got {value!r}")
    return value


def _api_url(config: Mapping[str, Any]) -> str | None:
    """The checked ``API_URL``; None only when ``LOG_ONLY`` asks for it (an unset variable is not that)."""
    api_url = config.get("API_URL")
    if _flag(config, "LOG_ONLY"):
        if api_url is not None:
            raise _error("LOG_ONLY", f"is True but API_URL is set ({api_url!r}): remove one of them")
        return None
    if api_url is None:
        raise _error(
            "API_URL",
            "is missing or None: set it to the Events API's URL (is EVENTS_API_URL set in the "
            "environment?), or set BC_EVENTS['LOG_ONLY'] = True to only log events (local development)",
        )
    if not (isinstance(api_url, str) and api_url):
        raise _error("API_URL", f"must be the Events API's URL, got {api_url!r}")
    try:  # checked at start-up, not on every request by the lazily created client
        checked_api_url(api_url)
    except ValueError as error:
        raise _error("API_URL", str(error)) from None
    return api_url


def _recorded(factory: Callable[[], EventClient]) -> Callable[[], EventClient]:
    """``factory``, remembering what it built so that a settings change can close it."""

    def build() -> EventClient:
        client = factory()
        with _lock:
            _built.append(client)
        return client

    return build


_lock = threading.Lock()
_current: EventsSettings | None = None
_built: list[EventClient] = []


def events_settings() -> EventsSettings:
    """The checked ``BC_EVENTS`` of this process (read on first use, cached)."""
    current = _current
    if current is None:
        current = _load()
    return current


def _load() -> EventsSettings:
    global _current
    with _lock:
        if _current is None:
            _current = read_settings(getattr(settings, "BC_EVENTS", None))
        return _current


def _reset(*, setting: str, **kwargs: Any) -> None:
    """Forget the settings and close the client when ``BC_EVENTS`` changes (mostly in tests)."""
    global _current
    if setting != "BC_EVENTS":
        return
    with _lock:
        _current = None
        stale = list(_built)
        _built.clear()
    for client in stale:
        client.close()


def _renew_lock() -> None:
    """In a forked child no thread is left to release a lock that a parent thread held at the fork."""
    global _lock
    _lock = threading.Lock()


setting_changed.connect(_reset, dispatch_uid="bc_events.django.settings")
if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_renew_lock)
