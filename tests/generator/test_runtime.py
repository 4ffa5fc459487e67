"""The generated module at run time: app.py publishes through the typed session to a real local Events API."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Iterator
from types import ModuleType

import pytest
from generator_support import EXAMPLE

import bc_events
from bc_events.testing import EventsAPIServer


@pytest.fixture
def example() -> Iterator[tuple[ModuleType, ModuleType]]:
    """``events_gen`` and ``app`` imported fresh from generated_example/."""
    sys.path.insert(0, str(EXAMPLE))
    try:
        yield importlib.import_module("events_gen"), importlib.import_module("app")
    finally:
        sys.path.remove(str(EXAMPLE))
        for name in ("events_gen", "app"):
            sys.modules.pop(name, None)


def test_app_delivers_the_expected_envelopes(example: tuple[ModuleType, ModuleType]) -> None:
    _, app = example
    with EventsAPIServer() as api:
        app.main(api.url)
        accepted = api.accepted
    assert [(event.topic, event.actor, event.job_id) for event in accepted] == [
        ("policies.PolicyCreated", ("user-1", "user"), "request-1"),
        ("billing.InvoicePaid", ("user-1", "user"), "request-1"),
        ("policies.ClaimFiled", ("PolicyService", "service"), "job-1"),
        ("policies.ContactUpdated", ("PolicyService", "service"), "job-1"),
        ("policies.ContactUpdated", ("PolicyService", "service"), "job-1"),
        ("policies.PolicyCancelled", ("PolicyService", "service"), "job-1"),
    ]
    assert accepted[4].data["x-source"] == "crm"  # the cast() escape hatch for an undeclared key
    assert accepted[1].data == {"invoice_id": "INV-1", "amount": 1234.5, "currency": "EUR", "paid": True}
    assert accepted[2].data["location"] == [51.5, -0.12]
    assert accepted[3].data == {"class": "gold", "first-name": "Ada", "+1": 3, "@type": "Contact"}


def test_generated_methods_alias_and_typed_publish_send_the_same_topic(
    example: tuple[ModuleType, ModuleType],
) -> None:
    events_gen, _ = example
    transport = bc_events.RecordingTransport()
    client = events_gen.EventClient(None, "svc", transport=transport)
    data = {"invoice_id": "I", "amount": 1.0, "currency": "USD", "paid": True}
    with client.user_session("u", "job-1") as session:
        assert isinstance(session, events_gen.EventSession)
        session.billing__paid_invoice(data)
        session.billing__invoice_paid(data)
        session.publish(action="Paid", entity="Invoice", data=data, category="billing")
    assert [event.topic_name for event in transport.delivered] == ["billing.InvoicePaid"] * 3
    for factory in (client.service_session, client.third_party_session):
        assert isinstance(factory("job-1"), events_gen.EventSession)


def test_runtime_validation_still_guards_what_types_cannot(example: tuple[ModuleType, ModuleType]) -> None:
    events_gen, _ = example
    client = events_gen.EventClient(None, "svc", transport=bc_events.RecordingTransport())
    session = client.service_session("job-1")
    with pytest.raises(bc_events.EventValidationError, match="number"):
        session.policy_created(
            {
                "id": "1",
                "number": "not-a-number",
                "status": "draft",
                "insured": {"name": "A"},
                "premium": 1.0,
                "term_months": 6,
            }
        )
    assert session.events == []


def test_embedded_definitions_equal_the_yaml(example: tuple[ModuleType, ModuleType]) -> None:
    events_gen, _ = example
    embedded = events_gen.EventClient(None, "svc").topic_table
    loaded = bc_events.load_topic_definitions(EXAMPLE / "topics.yaml").table()
    assert {name: (topic.schema, topic.description) for name, topic in embedded.items()} == {
        name: (topic.schema, topic.description) for name, topic in loaded.items()
    }


def test_current_session_names_both_classes_with_their_modules(
    example: tuple[ModuleType, ModuleType], tmp_path: object
) -> None:
    """Two generated modules in one process: the message must tell their sessions apart."""
    events_gen, _ = example
    spec = importlib.util.spec_from_file_location("other_gen", EXAMPLE / "events_gen.py")
    assert spec is not None
    assert spec.loader is not None
    other = importlib.util.module_from_spec(spec)
    sys.modules["other_gen"] = other
    try:
        spec.loader.exec_module(other)
        with (
            other.EventClient(None, "svc").service_session("job-1") as session,
            bc_events.bind_session(session),
            pytest.raises(TypeError) as raised,
        ):
            events_gen.current_session()
    finally:
        del sys.modules["other_gen"]
    assert str(raised.value) == (
        "the bound session is a other_gen.EventSession, not an instance of events_gen.EventSession: "
        "create it with EventClient from this module"
    )
