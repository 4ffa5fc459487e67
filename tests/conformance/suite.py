"""The official JSON-Schema-Test-Suite as topics: which groups can be topics, and their topic files.

A group (``{"description", "schema", "tests"}``) can be a topic when its schema
is a mapping that admits JSON objects and whose references all stay inside it
(the suite's remote documents are not kept).  Drafts 4 and 6 name their draft
with ``$schema`` (a topic without it is read as draft 7); the other drafts'
schemas already do.  Each test whose ``data`` is an object is an instance.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

import jsonschema_rs
import yaml

from bc_events.drafts import refuse_retrieval, validator_class

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT.parent / "shared" / "conformance" / "json-schema-test-suite"
DRAFTS = {
    "draft4": "http://json-schema.org/draft-04/schema#",
    "draft6": "http://json-schema.org/draft-06/schema#",
    "draft7": "http://json-schema.org/draft-07/schema#",
    "draft2019-09": "https://json-schema.org/draft/2019-09/schema",
    "draft2020-12": "https://json-schema.org/draft/2020-12/schema",
}
_DATA = frozenset({"enum", "const", "examples", "default"})
_NAMES = frozenset({"properties", "patternProperties", "definitions", "$defs", "dependentSchemas"})
_REFERENCES = ("$ref", "$dynamicRef", "$recursiveRef")


@dataclass(frozen=True)
class Instance:
    """One test of a group whose data is an object."""

    description: str
    data: dict[str, Any]
    valid: bool


@dataclass(frozen=True)
class Group:
    """One usable group of one draft: its topic (``Entity``/``Action``) and its object instances."""

    draft: str
    file: str
    index: int
    description: str
    schema: dict[str, Any]
    instances: tuple[Instance, ...]

    @property
    def entity(self) -> str:
        words = "".join(char if char.isalpha() else " " for char in self.file).split()
        return "".join(word.capitalize() for word in words)

    @property
    def action(self) -> str:
        """``Groupa``, ``Groupb``, ...: an action is letters only."""
        letters, number = "", self.index
        while number:
            number, digit = divmod(number - 1, 26)
            letters = chr(ord("a") + digit) + letters
        return f"Group{letters}"

    @property
    def where(self) -> str:
        return f"{self.draft}/{self.file}.json #{self.index} ({self.description})"


def find_suite() -> Path | str:
    """The suite's folder, or why it is absent (a reason to skip)."""
    if not (SUITE / "tests").is_dir():
        return f"the JSON-Schema-Test-Suite is not at {SUITE} (../shared/conformance): skipped"
    return SUITE


def groups(suite: Path, draft: str) -> tuple[list[Group], int]:
    """The usable groups of ``draft`` (files in name order), and how many groups it has in all."""
    usable, total = [], 0
    for path in sorted((suite / "tests" / draft).glob("*.json")):
        for index, group in enumerate(json.loads(path.read_text("utf-8")), 1):
            total += 1
            schema = group["schema"]
            if not usable_schema(schema, draft):
                continue
            if "$schema" not in schema:
                schema = {"$schema": DRAFTS[draft], **schema}
            instances = tuple(
                Instance(test["description"], test["data"], test["valid"])
                for test in group["tests"]
                if isinstance(test["data"], dict)
            )
            if not _admits_objects_at_run_time(schema, instances):
                continue
            usable.append(Group(draft, path.stem, index, group["description"], schema, instances))
    return usable, total


def usable_schema(schema: Any, draft: str) -> bool:
    """A mapping that admits objects, naming a known draft, whose references all stay inside it."""
    if not isinstance(schema, Mapping) or not _admits_objects(schema):
        return False
    if "$schema" in schema and schema["$schema"] not in DRAFTS.values():
        return False  # a meta-schema of the suite's remote documents
    bases = set()
    references = []
    for node, base in _schemas(schema, ("$id", "id") if draft == "draft4" else ("$id",)):
        bases.add(base)
        references += [(node[key], base) for key in _REFERENCES if isinstance(node.get(key), str)]
    return all(urldefrag(urljoin(base, ref))[0] in bases for ref, base in references)


def _admits_objects_at_run_time(schema: dict[str, Any], instances: tuple[Instance, ...]) -> bool:
    """Does the runtime accept ``{}`` or one of the group's objects (or refuse the schema itself)?

    Whether a schema admits some object is undecidable in general; these
    witnesses keep out the groups no payload could match (``allOf: [{type: number}]``).
    """
    try:
        validator = validator_class(schema)(schema, validate_formats=False, retriever=refuse_retrieval)
    except (jsonschema_rs.ValidationError, ValueError):
        return True  # the runtime refuses the topic: the generator must too, which the test checks
    return any(validator.is_valid(data) for data in ({}, *(instance.data for instance in instances)))


def _admits_objects(schema: Mapping[str, Any]) -> bool:
    declared = schema.get("type")
    if isinstance(declared, str) and declared != "object":
        return False
    if isinstance(declared, list) and "object" not in declared:
        return False
    for keyword in ("enum", "const"):
        if keyword in schema:
            values = schema[keyword] if keyword == "enum" else [schema[keyword]]
            if not any(isinstance(value, dict) for value in values):
                return False
    return True


def _schemas(root: Mapping[str, Any], ids: tuple[str, ...]) -> Iterator[tuple[Mapping[str, Any], str]]:
    """Every schema mapping under ``root`` with its base URI (``$id``, draft-4 ``id``)."""
    stack: list[tuple[Any, str, bool]] = [(root, "", True)]
    while stack:
        node, base, is_schema = stack.pop()
        if isinstance(node, list):
            stack.extend((item, base, is_schema) for item in node)
            continue
        if not isinstance(node, Mapping):
            continue
        if not is_schema:  # a mapping of names to schemas
            stack.extend((value, base, True) for value in node.values())
            continue
        for key in ids:
            declared = node.get(key)
            if isinstance(declared, str) and not declared.startswith("#"):
                base = urldefrag(urljoin(base, declared))[0]
        yield node, base
        for key, value in node.items():
            if key not in _DATA:
                stack.append((value, base, key not in _NAMES))


def topic_file(groups: list[Group]) -> str:
    """The topic file of ``groups`` (YAML, as PyYAML writes it: every value reads back as it was)."""
    topics = [
        {"Entity": group.entity, "Action": group.action, "Description": group.where, "Schema": group.schema}
        for group in groups
    ]
    return yaml.safe_dump(
        {"DefaultCategory": "conformance", "Topics": topics}, sort_keys=False, allow_unicode=True, width=200
    )
