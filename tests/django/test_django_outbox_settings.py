"""``BC_EVENTS["OUTBOX"]``: accepted by the middleware's settings, checked, and naming what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from bc_events.django.outbox import OutboxSettings
from bc_events.django.settings import read_settings

TOPICS = Path(__file__).resolve().parents[2] / "generated_example" / "topics.yaml"
BASE = {"LOG_ONLY": True, "SERVICE_NAME": "S", "TOPICS": TOPICS}


def test_without_outbox_the_sessions_deliver_on_commit() -> None:
    assert read_settings(BASE).outbox is None
    assert read_settings({**BASE, "OUTBOX": None}).outbox is None


def test_outbox_mode_is_on_when_outbox_is_set() -> None:
    assert read_settings({**BASE, "OUTBOX": {}}).outbox == OutboxSettings(api_url=None)
    config = read_settings({**BASE, "OUTBOX": {"TOPICS": ["policies.PolicyCreated"]}})
    assert config.outbox is not None
    assert config.outbox.topics == frozenset({"policies.PolicyCreated"})
    config.client.get().close()


@pytest.mark.parametrize(
    ("outbox", "message"),
    [
        ([], "BC_EVENTS['OUTBOX'] must be a dict"),
        ({"TOPIC": ["a.B"]}, "unknown key(s) ['TOPIC']"),
        ({"DATABASE": "nowhere"}, "'nowhere' is not in DATABASES"),
        ({"TOPICS": "policies.PolicyCreated"}, "must be a non-empty list of topic names"),
        ({"TOPICS": []}, "must be a non-empty list of topic names"),
        ({"TOPICS": ["PolicyCreated"]}, "'PolicyCreated' is not a topic name (category.EntityAction)"),
        ({"RETENTION": -1}, "['RETENTION'] must be a non-negative number"),
    ],
)
def test_outbox_mistakes_stop_the_start_up_naming_the_key(outbox: object, message: str) -> None:
    with pytest.raises(ImproperlyConfigured) as raised:
        read_settings({**BASE, "OUTBOX": outbox})
    assert message in str(raised.value)


def test_an_outbox_topic_the_client_does_not_define_is_refused() -> None:
    config = read_settings({**BASE, "OUTBOX": {"TOPICS": ["policies.PolicyCreatd"]}})
    with pytest.raises(ImproperlyConfigured, match=r"no such topic\(s\) \['policies.PolicyCreatd'\]"):
        config.client.get()
