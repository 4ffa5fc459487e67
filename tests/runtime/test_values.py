"""What publish() accepts: plain JSON values copied from what the generated types admit, all else refused.

One walk at publish() copies Mappings to dicts, Sequences to lists and
str/int/float subclasses to their base values; the copy is validated, sent, and
kept as ``Event.data``.  Values JSON cannot hold are refused with the field path
and what to pass instead, at the top level and nested, through the plain and
the generated typed session alike.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import importlib.util
import json
import pickle
import sys
import uuid
from collections import UserDict, UserList
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from bc_events import EventClient, EventSession, EventValidationError, RecordingTransport, UnknownTopicError
from bc_events.errors import FieldError
from bc_events.event import Event
from bc_events.values import plain_json

from .support import TOPICS

ANY_TOPICS: dict[str, Any] = {
    "DefaultCategory": "testing",
    "Topics": [{"Action": "Noted", "Entity": "Any", "Schema": {"type": "object"}}],
}
EXAMPLE = Path(__file__).resolve().parents[2] / "generated_example" / "events_gen.py"


# --- small Mapping / Sequence / scalar subclasses, as services pass them -------------------------


class FrozenMap(Mapping[str, Any]):
    """A read-only Mapping that is not a dict (like a frozendict or a pydantic model's view)."""

    def __init__(self, items: dict[str, Any]) -> None:
        self._items = items

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


class Row(Sequence[Any]):
    """A Sequence that is not a list (like a database row or a numpy-free vector)."""

    def __init__(self, *items: Any) -> None:
        self._items = items

    def __getitem__(self, index: Any) -> Any:
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)


class Text(str):
    def __str__(self) -> str:  # an override must not change what is sent
        return "overridden"


class Count(int):
    pass


class Amount(float):  # stands for numpy.float64, a float subclass
    def __float__(self) -> float:
        return -1.0


class Colour(enum.StrEnum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Status(enum.StrEnum):
    DRAFT = "draft"


class Term(enum.IntEnum):
    YEAR = 12


class Shape(enum.Enum):
    SQUARE = "square"


def types_of(value: Any) -> Any:
    """The same structure with each value replaced by its type's name (dict keys by theirs too)."""
    if isinstance(value, dict):
        return {f"{type(key).__name__}:{key}": types_of(item) for key, item in value.items()}
    if isinstance(value, list):
        return [types_of(item) for item in value]
    return type(value).__name__


# --- accepted: what the generated types admit, sent and kept as plain JSON -----------------------

ACCEPTED: list[tuple[str, Any, Any]] = [
    ("MappingProxyType", MappingProxyType({"a": 1}), {"a": 1}),
    ("UserDict", UserDict({"a": [1]}), {"a": [1]}),
    ("Mapping subclass", FrozenMap({"a": True}), {"a": True}),
    ("tuple", ("a", 1), ["a", 1]),
    ("Sequence subclass", Row(1, "b", None), [1, "b", None]),
    ("UserList", UserList([1.5]), [1.5]),
    ("range", range(3), [0, 1, 2]),
    ("markupsafe.Markup", Markup("<b>x</b>"), "<b>x</b>"),
    ("str subclass with __str__", Text("kept"), "kept"),
    ("StrEnum", Colour.RED, "red"),
    ("int subclass", Count(7), 7),
    ("IntEnum", Level.HIGH, 3),
    ("float subclass", Amount(2.5), 2.5),
    ("bool stays bool", True, True),
    ("big int", 2**80, 2**80),
    ("non-ASCII text", "Prämie 保険 😀", "Prämie 保険 😀"),
    ("Markup key", {Markup("k"): 1}, {"k": 1}),
]


@pytest.fixture
def local_session() -> EventSession:
    return EventClient(None, "TestService", ANY_TOPICS).service_session("job-1")


@pytest.mark.parametrize(("value", "plain"), [case[1:] for case in ACCEPTED], ids=[c[0] for c in ACCEPTED])
@pytest.mark.parametrize("where", ["top", "nested"])
def test_admitted_values_are_sent_and_kept_as_plain_json(
    local_session: EventSession, value: Any, plain: Any, where: str
) -> None:
    data, expected = ({"v": value}, {"v": plain})
    if where == "nested":
        data = {"policy": MappingProxyType({"terms": (UserDict({"v": value}),)})}
        expected = {"policy": {"terms": [{"v": plain}]}}
    local_session.publish(action="Noted", entity="Any", data=data)
    [event] = local_session.events
    assert event.data == expected
    assert types_of(event.data) == types_of(expected)
    assert event.envelope()["data"] == expected
    local_session.rollback()


def test_a_numpy_float64_is_sent_as_a_float(local_session: EventSession) -> None:
    numpy = pytest.importorskip("numpy")
    local_session.publish(action="Noted", entity="Any", data={"x": numpy.float64(0.5)})
    assert types_of(local_session.events[0].data) == {"str:x": "float"}
    local_session.rollback()


# --- refused: values JSON cannot hold, named by field path and type ------------------------------

SURROGATE = (
    "str has a lone surrogate (U+D800 at index 1), which is not text: PostgreSQL jsonb and other "
    "JSON readers refuse it (decode bytes with errors='replace', not 'surrogateescape')"
)
ANYTHING = "pass a str, int, float, bool, None, a mapping or a sequence"
REFUSED: list[tuple[str, Any, str]] = [
    ("date", datetime.date(2024, 1, 31), "date is not a JSON value; pass an ISO 8601 string"),
    ("datetime", datetime.datetime(2024, 1, 31, 12), "datetime is not a JSON value; pass an ISO 8601 string"),
    ("time", datetime.time(12, 30), "time is not a JSON value; pass an ISO 8601 string"),
    (
        "timedelta",
        datetime.timedelta(seconds=5),
        "timedelta is not a JSON value; pass a number of seconds or an ISO 8601 duration string",
    ),
    ("bytes", b"\x00\x01", "bytes is not a JSON value; decode it to a str, or pass it as base64 text"),
    (
        "bytearray",
        bytearray(b"x"),
        "bytearray is not a JSON value; decode it to a str, or pass it as base64 text",
    ),
    (
        "memoryview",
        memoryview(b"x"),
        "memoryview is not a JSON value; decode it to a str, or pass it as base64 text",
    ),
    ("Decimal", decimal.Decimal("1.10"), "Decimal is not a JSON value; pass a str (exact) or a float"),
    ("set", {1, 2}, "set is not a JSON value; pass a list"),
    ("frozenset", frozenset({"a"}), "frozenset is not a JSON value; pass a list"),
    ("dict keys", {"a": 1}.keys(), "dict_keys is not a JSON value; pass a list"),
    ("generator", (n for n in range(2)), "generator is not a JSON value; pass a list"),
    ("UUID", uuid.UUID(int=1), "UUID is not a JSON value; pass str(value)"),
    ("Enum", Shape.SQUARE, "Shape is not a JSON value; pass its .value"),
    ("object", object(), f"object is not a JSON value; {ANYTHING}"),
    ("NaN", float("nan"), "NaN is not valid JSON (JSON numbers are finite)"),
    ("Infinity", float("inf"), "Infinity is not valid JSON (JSON numbers are finite)"),
    ("-Infinity", -float("inf"), "-Infinity is not valid JSON (JSON numbers are finite)"),
    ("NaN float subclass", Amount("nan"), "NaN is not valid JSON (JSON numbers are finite)"),
    ("lone surrogate", "a\ud800b", SURROGATE),
    ("lone surrogate in a str subclass", Markup("a\ud800b"), SURROGATE),
]
REFUSED_IDS = [case[0] for case in REFUSED]
PLACES: list[tuple[str, Callable[[Any], dict[str, Any]], str]] = [
    ("top", lambda value: {"id": "1", "start": value}, "start"),
    ("nested", lambda value: {"policy": {"terms": [{"start": value}]}}, "policy/terms/0/start"),
    (
        "nested in subclasses",
        lambda value: {"policy": MappingProxyType({"terms": (FrozenMap({"start": value}),)})},
        "policy/terms/0/start",
    ),
]


@pytest.mark.parametrize(("value", "problem"), [case[1:] for case in REFUSED], ids=REFUSED_IDS)
@pytest.mark.parametrize(("make", "field"), [place[1:] for place in PLACES], ids=[p[0] for p in PLACES])
def test_values_json_cannot_hold_are_refused_naming_the_field_and_type(
    local_session: EventSession, value: Any, problem: str, make: Callable[[Any], Any], field: str
) -> None:
    with pytest.raises(EventValidationError) as raised:
        local_session.publish(action="Noted", entity="Any", data=make(value))
    assert str(raised.value) == f"invalid data for topic testing.AnyNoted: field {field}: {problem}"
    assert raised.value.errors == (FieldError(tuple(_parts(field)), problem),)
    assert local_session.events == []


def _parts(field: str) -> list[str | int]:
    return [int(part) if part.isdigit() else part for part in field.split("/")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({1: "a"}, "field (root): key 1 is an int, but JSON object keys are strings"),
        ({"policy": {None: "a"}}, "field policy: key None is a NoneType, but JSON object keys are strings"),
        (
            {"policy": [{(1, 2): "a"}]},
            "field policy/0: key (1, 2) is a tuple, but JSON object keys are strings",
        ),
        (
            {"a\ud800": 1},
            "field (root): key 'a\\ud800' has a lone surrogate (U+D800 at index 1), which is not text: "
            "PostgreSQL jsonb and other JSON readers refuse it (decode bytes with errors='replace', "
            "not 'surrogateescape')",
        ),
    ],
    ids=["int-key", "nested-None-key", "tuple-key-in-array", "surrogate-key"],
)
def test_keys_must_be_text(local_session: EventSession, data: Any, message: str) -> None:
    with pytest.raises(EventValidationError) as raised:
        local_session.publish(action="Noted", entity="Any", data=data)
    assert str(raised.value) == f"invalid data for topic testing.AnyNoted: {message}"


def test_a_surrogate_pair_written_as_two_code_points_is_refused_too(local_session: EventSession) -> None:
    """JSON would read "\\ud83d\\ude00" back as one emoji, but the str is not text: UTF-8 refuses it."""
    with pytest.raises(
        EventValidationError, match=r"field note: str has a lone surrogate \(U\+D83D at index 0\)"
    ):
        local_session.publish(action="Noted", entity="Any", data={"note": "\ud83d\ude00"})
    local_session.publish(action="Noted", entity="Any", data={"note": "\U0001f600"})  # the real emoji
    assert local_session.events[0].body.endswith(
        b'"data":{"note":"\\ud83d\\ude00"},"actor":{"id":"TestService","type":"service"}}'
    )
    local_session.rollback()


# --- the snapshot --------------------------------------------------------------------------------


def test_event_data_is_a_snapshot_of_the_callers_data() -> None:
    transport = RecordingTransport()
    session = EventClient(None, "TestService", TOPICS, transport=transport).service_session("job-1")
    data: dict[str, Any] = {"items": [{"name": "a"}]}
    session.publish(action="Created", entity="MyEntity", data=data)
    body = session.events[0].body
    data["items"][0]["name"] = "changed"
    data["items"].append({"name": "added"})
    data["extra"] = 1
    [event] = session.events
    assert event.data == {"items": [{"name": "a"}]}
    assert event.body == body
    assert event.data is not data
    session.flush()
    assert [sent.data for sent in transport.delivered] == [{"items": [{"name": "a"}]}]


# --- every error at once -------------------------------------------------------------------------


def test_every_schema_error_is_reported_the_message_shows_the_first_few() -> None:
    topics = {
        "DefaultCategory": "testing",
        "Topics": [
            {
                "Action": "Booked",
                "Entity": "Shipment",
                "Schema": {
                    "type": "object",
                    "required": ["id"],
                    "properties": {
                        "destination": {"type": "object", "properties": {"country": {"type": "string"}}},
                        "weight_kg": {"type": "number", "minimum": 0},
                        "pieces": {"type": "integer"},
                        "mode": {"enum": ["air", "sea"]},
                    },
                },
            }
        ],
    }
    session = EventClient(None, "TestService", topics).service_session("job-1")
    data = {"destination": {"country": 49}, "weight_kg": -1, "pieces": "two", "mode": "rail"}
    with pytest.raises(EventValidationError) as raised:
        session.publish(action="Booked", entity="Shipment", data=data)
    error = raised.value
    assert sorted(str(field) for field in error.errors) == [
        'field (root): "id" is a required property',
        'field destination/country: 49 is not of type "string"',
        'field mode: "rail" is not one of "air" or "sea"',
        'field pieces: "two" is not of type "integer"',
        "field weight_kg: -1 is less than the minimum of 0",
    ]
    assert (error.field_path, error.problem) == (error.errors[0].field_path, error.errors[0].problem)
    lines = str(error).splitlines()
    assert lines[0] == "invalid data for topic testing.ShipmentBooked: 5 errors:"
    assert lines[1:4] == [f"  {field}" for field in error.errors[:3]]
    assert lines[4:] == ["  (and 2 more)"]


def test_every_value_error_is_reported_before_the_schema_is_consulted(local_session: EventSession) -> None:
    data = {"when": datetime.date(2024, 1, 1), "items": [b"x", {"amount": decimal.Decimal(1)}]}
    with pytest.raises(EventValidationError) as raised:
        local_session.publish(action="Noted", entity="Any", data=data)
    assert [str(field) for field in raised.value.errors] == [
        "field when: date is not a JSON value; pass an ISO 8601 string",
        "field items/0: bytes is not a JSON value; decode it to a str, or pass it as base64 text",
        "field items/1/amount: Decimal is not a JSON value; pass a str (exact) or a float",
    ]
    assert "(and" not in str(raised.value)


def test_one_error_keeps_the_one_line_message() -> None:
    session = EventClient(None, "TestService", TOPICS).service_session("job-1")
    with pytest.raises(EventValidationError) as raised:
        session.publish(action="Created", entity="MyEntity", data={"items": [{"name": 1}]})
    assert (
        str(raised.value)
        == 'invalid data for topic testing.MyEntityCreated: field items/0/name: 1 is not of type "string"'
    )
    assert len(raised.value.errors) == 1


def test_errors_survive_pickling() -> None:
    """Celery and multiprocessing pickle exceptions; their attributes come back."""
    error = EventValidationError("t.X", errors=[FieldError(("a",), "p"), FieldError((), "q")])
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.errors, copy.field_path) == (
        type(error),
        str(error),
        error.errors,
        ("a",),
    )
    unknown = pickle.loads(pickle.dumps(UnknownTopicError("t.Y", known=["t.X"])))
    assert (str(unknown), unknown.suggestions) == (
        "unknown topic 't.Y': it is not in the topic definitions; did you mean 't.X'?",
        ("t.X",),
    )


# --- unknown topics: the nearest names -----------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "entity", "action", "suggestion"),
    [
        ("testing", "MyEntity", "Creatd", "; did you mean 'testing.MyEntityCreated'?"),
        ("testing", "myentity", "created", "; did you mean 'testing.MyEntityCreated'?"),
        ("testng", "Test", "Created", "; did you mean 'testing.TestCreated'?"),
        ("testing", "Test", "Deleted", "; did you mean 'other.TestDeleted'?"),
        ("billing", "Invoice", "Paid", ""),
    ],
    ids=["typo", "case", "category-typo", "other-category", "nothing-close"],
)
def test_unknown_topic_suggests_the_nearest_names(
    category: str, entity: str, action: str, suggestion: str
) -> None:
    session = EventClient(None, "TestService", TOPICS).service_session("job-1")
    with pytest.raises(UnknownTopicError) as raised:
        session.publish(action=action, entity=entity, data={}, category=category)
    name = f"{category}.{entity}{action}"
    assert str(raised.value) == f"unknown topic {name!r}: it is not in the topic definitions{suggestion}"


def test_unknown_topic_error_is_constructible_with_the_name_alone() -> None:
    error = UnknownTopicError("a.B")
    assert (str(error), error.suggestions) == ("unknown topic 'a.B': it is not in the topic definitions", ())
    several = UnknownTopicError("a.BC", known=["a.BD", "a.BE", "z.Q"])
    assert str(several).endswith("; did you mean 'a.BD' or 'a.BE'?")


# --- the generated typed methods --------------------------------------------------------------------


@pytest.fixture(scope="module")
def events_gen() -> Iterator[ModuleType]:
    """generated_example/events_gen.py, imported under a name of its own."""
    spec = importlib.util.spec_from_file_location("values_events_gen", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


CLAIM = {"claim_id": "C-1", "policy_id": "P-1", "status": "open", "location": (51.5, -0.12)}


def test_typed_methods_accept_what_their_types_admit(events_gen: ModuleType) -> None:
    session = events_gen.EventClient(None, "svc", transport=RecordingTransport()).service_session("job-1")
    session.created_policy(
        {
            "id": Markup("p-1"),
            "number": Text("P-123456"),
            "status": Status.DRAFT,
            "insured": MappingProxyType({"name": Markup("Ada")}),
            "premium": Amount(12.5),
            "term_months": Term.YEAR,
            "coverages": Row(FrozenMap({"code": "liability", "limit": Count(1000)})),
            "metadata": UserDict({"source": "crm"}),
        }
    )
    session.filed_claim({**CLAIM, "details": {"when": "2024-01-31", "tags": ("a", "b")}})
    policy, claim = (event.data for event in session.events)
    assert policy == {
        "id": "p-1",
        "number": "P-123456",
        "status": "draft",
        "insured": {"name": "Ada"},
        "premium": 12.5,
        "term_months": 12,
        "coverages": [{"code": "liability", "limit": 1000}],
        "metadata": {"source": "crm"},
    }
    assert types_of(policy) == types_of(json.loads(json.dumps(policy)))
    assert claim["location"] == [51.5, -0.12]
    assert claim["details"]["tags"] == ["a", "b"]
    session.rollback()


@pytest.mark.parametrize(("value", "problem"), [case[1:] for case in REFUSED], ids=REFUSED_IDS)
@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda value: {**CLAIM, "details": value}, "details"),
        (
            lambda value: {**CLAIM, "details": {"policy": {"terms": [{"start": value}]}}},
            "details/policy/terms/0/start",
        ),
    ],
    ids=["top", "nested"],
)
def test_typed_methods_refuse_values_json_cannot_hold(
    events_gen: ModuleType, value: Any, problem: str, make: Callable[[Any], Any], field: str
) -> None:
    session = events_gen.EventClient(None, "svc").service_session("job-1")
    for publish in (
        session.filed_claim,
        lambda data: session.publish(action="Filed", entity="Claim", data=data),
    ):
        with pytest.raises(EventValidationError) as raised:
            publish(make(value))
        assert str(raised.value) == f"invalid data for topic policies.ClaimFiled: field {field}: {problem}"
    assert session.events == []


# --- property: the copy equals the plain equivalent and encodes to the same bytes ------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(exclude_categories=["Cs"])),
)


def dressed_scalar(value: Any) -> st.SearchStrategy[Any]:
    """``value`` itself, or the same value as an instance of a subclass of its type."""
    if type(value) is str:
        return st.sampled_from([value, Markup(value), Text(value)])
    if type(value) is int:
        return st.sampled_from([value, Count(value)])
    if type(value) is float:
        return st.sampled_from([value, Amount(value)])
    return st.just(value)


def dressed(plain: Any) -> st.SearchStrategy[Any]:
    """Strategies of values that normalise to ``plain``: its containers as Mapping/Sequence subclasses."""
    if isinstance(plain, dict):
        items = st.tuples(*(st.tuples(dressed_scalar(k), dressed(v)) for k, v in plain.items()))
        return items.flatmap(
            lambda pairs: st.sampled_from([dict, MappingProxyType, UserDict, FrozenMap]).map(
                lambda kind: kind(dict(pairs))
            )
        )
    if isinstance(plain, list):
        elements = st.tuples(*(dressed(item) for item in plain))
        return elements.flatmap(
            lambda items: st.sampled_from([list, tuple, UserList, lambda xs: Row(*xs)]).map(
                lambda kind: kind(items)
            )
        )
    return dressed_scalar(plain)


plain_json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)
pairs = st.dictionaries(st.text(max_size=5), plain_json_values, max_size=4).flatmap(
    lambda plain: st.tuples(st.just(plain), dressed(plain))
)


@settings(max_examples=200, deadline=None)
@given(pairs)
def test_the_copy_is_the_plain_equivalent_and_encodes_to_the_same_bytes(
    pair: tuple[dict[str, Any], Any],
) -> None:
    plain, data = pair
    copy, problems = plain_json(data)
    assert problems == []
    assert copy == plain
    assert types_of(copy) == types_of(plain)
    envelope = {"category": "c", "entity": "E", "action": "A", "actor_id": "a", "actor_type": "service"}
    ours = Event.create(**envelope, data=copy, job_id="j").body
    assert ours == Event.create(**envelope, data=plain, job_id="j").body
    expected = json.dumps(
        {
            "action": "A",
            "category": "c",
            "entity": "E",
            "data": plain,
            "actor": {"id": "a", "type": "service"},
        },
        separators=(",", ":"),
        allow_nan=False,
    )
    assert ours == expected.encode()


# --- the envelope encoder -------------------------------------------------------------------------

ENVELOPE = {
    "category": "c",
    "entity": "E",
    "action": "A",
    "actor_id": "a",
    "actor_type": "service",
    "job_id": "j",
}


def test_event_create_refuses_data_that_contains_itself_as_a_value_error() -> None:
    """publish() never hands it such data (the walk refuses it first); a direct caller gets a ValueError."""
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="data contains itself or is nested too deeply for JSON"):
        Event.create(**ENVELOPE, data={"loop": loop})
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        Event.create(**ENVELOPE, data={"x": float("nan")})
    with pytest.raises(TypeError, match="Object of type date is not JSON serializable"):
        Event.create(**ENVELOPE, data={"x": datetime.date(2024, 1, 1)})


def test_without_the_native_encoder_the_documented_one_encodes_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bc_events import event as event_module

    data = {"a": [1, -0.0, 1e300, True, None, "é\U0001f600\u2028"], "b": {"": 2**70}}
    native = event_module._encode_data(data)
    monkeypatch.setattr(json.encoder, "c_make_encoder", None)
    fallback = event_module._data_encoder()
    assert fallback.__qualname__ == "JSONEncoder.encode"
    assert fallback(data) == native == json.dumps(data, separators=(",", ":"))
