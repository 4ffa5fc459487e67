"""Names in generated code: Pascal case, identifiers, reserved words, collision detection.

Method names come from ``bc_events.naming`` (the same functions the runtime
shortcuts use), so generated methods and dynamic shortcuts never disagree.

Rules (documented in the README):

* default-category topic ``MyEntity`` + ``Created``: methods ``created_my_entity``
  and ``my_entity_created``; payload type ``MyEntityCreatedData``;
* topic in another category ``billing``: methods ``billing__created_invoice`` and
  ``billing__invoice_created`` (a double underscore never occurs in a snake-cased
  entity or action, so these cannot collide with default-category names);
  payload type ``BillingInvoiceCreatedData``.
"""

from __future__ import annotations

import builtins
import functools
import keyword
import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bc_events.errors import TopicDefinitionError
from bc_events.generator.escaping import is_pinned
from bc_events.naming import action_first_name, entity_first_name

if TYPE_CHECKING:
    from bc_events.topics import Topic

_ALNUM = re.compile(r"[0-9A-Za-z]+")
_CAMEL_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")

TYPING_NAMES = frozenset(
    {"Any", "Literal", "NotRequired", "TypeAlias", "TypedDict", "TYPE_CHECKING", "overload"}
    | {"Mapping", "Sequence", "override", "deprecated"}
)
"""Names the generated module imports (``typing``, ``collections.abc``); no generated name may shadow them."""

BUILTIN_TYPE_NAMES = frozenset({"str", "int", "float", "bool", "list", "dict", "tuple", "None"})
"""Builtins that appear in generated type expressions."""

MODULE_NAMES = frozenset({"bc_events", "annotations", "current_session", "TypeError"}) | (
    TYPING_NAMES | BUILTIN_TYPE_NAMES
)
"""Every global name the generated module imports or uses besides its own declarations.

``TypeError`` is raised by ``current_session()``; the other builtins it calls are
lower case, which no type name is (class options are checked against every builtin).
"""

RESERVED_WORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | {"type"}
"""Words Python gives a meaning of its own (``type`` is soft from 3.12): never a generated name."""


@functools.lru_cache(maxsize=65536)  # the same hints recur across topics (shared definitions, paths)
def pascal_case(text: str) -> str:
    """Any text -> a PascalCase identifier: ``pull-request`` -> ``PullRequest``, ``+1`` -> ``T1``.

    Words already in camel case keep their boundaries (``htmlURL`` -> ``HtmlUrl``).
    Letters of any script are kept, normalized as Python normalizes identifiers
    (NFKC): ``Adresse_Übersicht`` -> ``AdresseÜbersicht``, ``日本`` -> ``日本``.
    Never a reserved word: ``true`` -> ``True_``.
    """
    text = unicodedata.normalize("NFKC", text)
    shape = "".join(map(_shape, text))  # the ASCII pattern below finds the words of any script
    words: list[str] = []
    for chunk in _ALNUM.finditer(shape):
        words.extend(
            text[chunk.start() + match.start() : chunk.start() + match.end()]
            for match in _CAMEL_WORD.finditer(chunk.group(0))
        )
    name = unicodedata.normalize("NFKC", "".join(word[:1].upper() + word[1:].lower() for word in words))
    name = "".join(char for char in name if is_pinned(char) and ("T" + char).isidentifier())
    if not name:
        return "T"
    if not name.isidentifier():  # starts with a digit (or another character only allowed later)
        name = "T" + name
    return name + "_" if name in RESERVED_WORDS else name


def _shape(char: str) -> str:
    """``A`` upper case, ``a`` any other letter or mark, ``0`` a digit, `` `` anything else.

    A character Unicode 3.2 does not assign is never part of a name: whether it is a
    letter depends on the Python running the generator (``escaping.is_pinned``).
    """
    if not is_pinned(char):
        return " "
    if char.isdecimal():
        return "0"
    if not ("T" + char).isidentifier() or char == "_":
        return " "
    return "A" if char.isupper() or unicodedata.category(char) == "Lt" else "a"


def is_plain_identifier(key: str) -> bool:
    """Can ``key`` be a class-syntax TypedDict field without being changed by Python?

    ASCII only (non-ASCII identifiers are NFKC-normalized, which could rename a
    key), not a keyword, and not starting with ``_`` (``__x`` would be mangled).
    """
    return key.isascii() and key.isidentifier() and not keyword.iskeyword(key) and not key.startswith("_")


class ClassOptionError(ValueError):
    """A chosen class name (``--client-class``, ``--session-class``) cannot be used; ``option`` says which."""

    def __init__(self, option: str, problem: str) -> None:
        self.option = option
        self.problem = problem
        super().__init__(f"{option}: {problem}")


def class_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a generated class, or ``None`` when it can."""
    if not all(map(is_pinned, name)):
        return (
            f"{name!r} has characters newer than Unicode 3.2, which Python versions disagree "
            "on (an identifier or not); use older letters"
        )
    if not name.isidentifier():
        return f"{name!r} is not a Python identifier"
    if unicodedata.normalize("NFKC", name) != name:
        normal = unicodedata.normalize("NFKC", name)
        return f"{name!r} is not in the form Python reads it as ({normal!r}); write that"
    if name.startswith("_"):
        return f"{name!r} starts with '_': the class must be public"
    if name in RESERVED_WORDS:
        return f"{name!r} is a Python keyword"
    if name in MODULE_NAMES or hasattr(builtins, name):
        return f"{name!r} would shadow a name the generated module imports or uses"
    return None


def check_class_options(client_class: str, session_class: str, payload_types: dict[str, Topic]) -> None:
    """``ClassOptionError`` blaming the option if a class name is unusable or taken by a payload type."""
    for option, name in (("--client-class", client_class), ("--session-class", session_class)):
        problem = class_name_problem(name)
        if problem is None and name in payload_types:
            topic = payload_types[name]
            where = f" (line {topic.line})" if topic.line else ""
            problem = f"{name!r} is the payload type of topic {topic.name}{where}; choose another class name"
        if problem is not None:
            raise ClassOptionError(option, problem)
    if client_class == session_class:
        raise ClassOptionError("--session-class", "the client and session classes need different names")


def topic_prefix(topic: Topic, default_category: str) -> str:
    """``MyEntityCreated``, or ``BillingInvoicePaid`` outside the default category."""
    base = f"{topic.entity}{topic.action}"
    return base if topic.category == default_category else pascal_case(topic.category) + base


def data_type_name(topic: Topic, default_category: str) -> str:
    """The payload TypedDict (or alias) of a topic: ``MyEntityCreatedData``."""
    return topic_prefix(topic, default_category) + "Data"


def method_names(topic: Topic, default_category: str) -> tuple[str, str]:
    """(action-first, entity-first) method names of a topic."""
    first = action_first_name(topic.entity, topic.action)
    flipped = entity_first_name(topic.entity, topic.action)
    if topic.category == default_category:
        return first, flipped
    return f"{topic.category}__{first}", f"{topic.category}__{flipped}"


def session_base_attributes() -> frozenset[str]:
    """Every attribute of ``bc_events.EventSession`` (class and instance): methods must not shadow them."""
    from bc_events.session import EventSession  # only when naming methods: the CLI imports this module

    instance = EventSession("actor", "service", "job", None)  # type: ignore[arg-type]  # only stores the client
    return frozenset(dir(EventSession)) | frozenset(vars(instance))


@dataclass
class NameTable:
    """Names already taken in one namespace, each with the topic that took it (for error messages)."""

    source: str
    reserved: frozenset[str] = frozenset()
    reserved_why: str = "a name the generated module needs"
    owners: dict[str, Topic | None] = field(default_factory=dict)
    _suffix: dict[str, int] = field(default_factory=dict)

    def claim(self, name: str, topic: Topic, what: str) -> None:
        """Take ``name`` for ``topic``; a ``TopicDefinitionError`` naming both owners if it is taken."""
        if name in self.reserved:
            raise TopicDefinitionError(
                f"{what} {name!r} would shadow {self.reserved_why}; rename the Entity or Action",
                source=self.source,
                line=topic.line,
                topic=topic.name,
            )
        if name in self.owners:
            other = self.owners[name]
            if other is not topic:
                where = f" (line {other.line})" if other is not None and other.line else ""
                owner = f"topic {other.name}{where}" if other is not None else "another generated name"
                raise TopicDefinitionError(
                    f"{what} {name!r} is also produced by {owner}; rename one of them",
                    source=self.source,
                    line=topic.line,
                    topic=topic.name,
                )
        self.owners[name] = topic

    def free(self, candidates: list[str]) -> str:
        """The first free candidate, else the first one with the smallest free numeric suffix."""
        for name in candidates:
            if name not in self.owners and name not in self.reserved:
                self.owners[name] = None
                return name
        base = candidates[0]
        number = self._suffix.get(base, 2)
        while f"{base}{number}" in self.owners or f"{base}{number}" in self.reserved:
            number += 1
        self._suffix[base] = number + 1
        name = f"{base}{number}"
        self.owners[name] = None
        return name
