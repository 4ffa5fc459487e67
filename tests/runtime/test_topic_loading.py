"""What a topic file must not do, whichever YAML path reads it: clear errors naming file, line and topic.

Every case runs twice: through libyaml's event path, and through the full safe
loader (an explicit ``!!str`` tag anywhere sends the file there).
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bc_events import EventClient, TopicDefinitionError, load_topic_definitions
from bc_events.errors import EventValidationError
from bc_events.topic_source import MAX_ALIAS_EXPANSION

PATHS = ["events", "full"]


def topics(body: str, path: str = "events") -> str:
    """A topic file with ``body`` (dedented) as its first topic's keys after Action and Entity."""
    category = "!!str testing" if path == "full" else "testing"
    head = f"DefaultCategory: {category}\nTopics:\n  - Action: Created\n    Entity: Test\n"
    return head + textwrap.indent(textwrap.dedent(body), "    ")


def load_error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "topics.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TopicDefinitionError) as raised:
        EventClient(None, "TestService", path)
    return str(raised.value)


def where(tmp_path: Path, line: int, topic: str | None = "testing.TestCreated") -> str:
    named = f" topic {topic}:" if topic else ""
    return f"{tmp_path / 'topics.yaml'}:{line}:{named} "


# --- alias bombs --------------------------------------------------------------------------


def laughs(levels: int) -> str:
    """The billion laughs: ``levels`` lists of ten aliases to the previous list, 10**levels leaves."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([previous] * 10)}]")
    indented = ("    " + line for line in lines)
    return "\n".join(["Schema:", "  type: object", "  definitions:", *indented]) + "\n"


# Peak memory as VmHWM (this process's own high-water mark): ru_maxrss of a child also
# counts the parent's resident memory at the fork, i.e. the whole pytest process.
BOMB_CHECK = """
import sys, time
from bc_events import EventClient, TopicDefinitionError
started = time.monotonic()
try:
    EventClient(None, "S", sys.argv[1])
except TopicDefinitionError as error:
    print(error)
print(time.monotonic() - started)
print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")))
"""


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("levels", [9, 7], ids=["1e9", "1e7"])
def test_an_alias_bomb_fails_fast_in_bounded_memory(tmp_path: Path, levels: int, path: str) -> None:
    text = topics(laughs(levels), path)
    file = tmp_path / "topics.yaml"
    file.write_text(text, encoding="utf-8")
    if levels == 9:
        assert len(text.encode()) < 1000  # a few hundred bytes, a billion leaves
    # a process of its own: before the bound, this took gigabytes (or aborted)
    result = subprocess.run(
        [sys.executable, "-c", BOMB_CHECK, str(file)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    message, seconds, max_rss_kib = result.stdout.splitlines()
    # the list whose aliases first pass the bound: a5, each of its aliases adding 111,110 nodes
    assert message.startswith(where(tmp_path, 13)), message
    assert f"YAML aliases expand the definitions by more than {MAX_ALIAS_EXPANSION:,} nodes" in message
    assert float(seconds) < 10  # a correctness bound with a wide margin: it takes milliseconds
    assert int(max_rss_kib) < 300_000  # the interpreter and bc_events, nothing expanded


@pytest.mark.parametrize("path", PATHS)
def test_aliases_within_the_bound_load_and_stay_shared(tmp_path: Path, path: str) -> None:
    schema = "Schema:\n  type: object\n  properties:\n" + "".join(
        f"    p{index}: *shared\n" for index in range(100)
    )
    text = topics(schema, path).replace(
        "Topics:", "Shared: &shared {type: object, properties: {a: {type: string}}}\nTopics:"
    )
    file = tmp_path / "topics.yaml"
    file.write_text(text, encoding="utf-8")
    [topic] = load_topic_definitions(file).topics
    properties = topic.schema["properties"]
    assert properties["p0"] is properties["p99"]
    assert topic.line_at(["properties", "p42"]) == 9 + 42


def _corpus() -> Path:
    return Path(__file__).parents[3] / "shared" / "corpus" / "github-webhooks" / "github-webhooks.yaml"


@pytest.mark.skipif(not _corpus().exists(), reason="the shared corpus (../shared/corpus) is not here")
def test_the_github_corpus_is_well_within_the_bounds() -> None:
    definitions = load_topic_definitions(_corpus())
    assert len(definitions.topics) == 224
    assert definitions.warnings == ()


# --- recursive aliases --------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_a_recursive_alias_in_a_schema_is_a_clear_error(tmp_path: Path, path: str) -> None:
    text = topics("Schema: &s {type: object, properties: {self: *s}}\n", path)
    message = load_error(tmp_path, text)
    assert message.startswith(where(tmp_path, 5)), message
    assert "recursive YAML alias: it refers to the node at line 5, which contains it" in message
    assert "$ref" in message


@pytest.mark.parametrize("path", PATHS)
def test_a_recursive_alias_in_a_sequence(tmp_path: Path, path: str) -> None:
    text = topics(
        "Schema:\n  type: object\n  anyOf: &list\n    - {type: object}\n    - {anyOf: *list}\n", path
    )
    message = load_error(tmp_path, text)
    assert message.startswith(where(tmp_path, 9)), message
    assert "recursive YAML alias: it refers to the node at line 7, which contains it" in message


# --- duplicate keys -----------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_duplicate_default_category(tmp_path: Path, path: str) -> None:
    text = topics("Schema: {}\n", path).replace("Topics:", "DefaultCategory: other\nTopics:")
    message = load_error(tmp_path, text)
    assert message == where(tmp_path, 2, None) + (
        "duplicate key 'DefaultCategory' at lines 1 and 2: YAML keys must be unique"
    )


@pytest.mark.parametrize("path", PATHS)
def test_duplicate_action_in_a_topic(tmp_path: Path, path: str) -> None:
    message = load_error(tmp_path, topics("Action: Deleted\nSchema: {}\n", path))
    assert message.startswith(where(tmp_path, 5, "testing.TestDeleted")), message
    assert "duplicate key 'Action' at lines 3 and 5" in message


@pytest.mark.parametrize("path", PATHS)
def test_duplicate_property_in_a_schema(tmp_path: Path, path: str) -> None:
    schema = """\
        Schema:
          type: object
          properties:
            id: {type: string}
            name: {type: string}
            id: {type: integer}
        """
    message = load_error(tmp_path, topics(schema, path))
    assert message == where(tmp_path, 10) + "duplicate key 'id' at lines 8 and 10: YAML keys must be unique"


@pytest.mark.parametrize("path", PATHS)
def test_keys_equal_once_read_are_duplicates_too(tmp_path: Path, path: str) -> None:
    message = load_error(tmp_path, topics("Schema: {type: object, enum: [1], 'enum': [2]}\n", path))
    assert "duplicate key 'enum' at lines 5 and 5" in message


# --- $schema and remote references: nothing leaves the process ----------------------------


@pytest.mark.parametrize(
    "uri",
    [
        "http://json-schema.org/draft-04/schema#",
        "https://json-schema.org/draft-04/schema",
        "http://json-schema.org/draft-06/schema",
        "http://json-schema.org/draft-07/schema#",
        "https://json-schema.org/draft-07/schema#",
        "https://json-schema.org/draft/2019-09/schema",
        "http://json-schema.org/draft/2019-09/schema#",
        "https://json-schema.org/draft/2020-12/schema",
        "https://json-schema.org/draft/2020-12/schema#",
    ],
)
def test_the_known_drafts_are_accepted_however_spelled(tmp_path: Path, uri: str) -> None:
    path = tmp_path / "topics.yaml"
    path.write_text(topics(f"Schema: {{$schema: '{uri}', type: object}}\n"), encoding="utf-8")
    EventClient(None, "S", path)


def test_the_draft_named_is_the_draft_used(tmp_path: Path) -> None:
    # draft 4's exclusiveMaximum is a boolean modifying maximum; from draft 6 on, a number
    path = tmp_path / "topics.yaml"
    schema = "{type: object, properties: {n: {maximum: 5, exclusiveMaximum: true}}}"
    draft4 = schema.replace("{type", "{$schema: 'http://json-schema.org/draft-04/schema#', type", 1)
    path.write_text(topics(f"Schema: {draft4}\n"), encoding="utf-8")
    session = EventClient(None, "S", path).service_session("job")
    with pytest.raises(EventValidationError):
        session.publish(action="Created", entity="Test", data={"n": 5})
    assert 'true is not of type "number"' in load_error(tmp_path, topics(f"Schema: {schema}\n"))


@pytest.mark.parametrize("path", PATHS)
def test_an_unknown_schema_uri_is_an_error_and_never_fetched(
    tmp_path: Path, schema_server: tuple[str, list[str]], path: str
) -> None:
    url, requests = schema_server
    message = load_error(tmp_path, topics(f"Schema:\n  type: object\n  $schema: {url}/meta\n", path))
    assert message.startswith(where(tmp_path, 7)), message
    assert f"unknown $schema '{url}/meta'" in message
    assert requests == []


def test_a_nested_unknown_schema_uri_is_an_error(
    tmp_path: Path, schema_server: tuple[str, list[str]]
) -> None:
    url, requests = schema_server
    schema = f"Schema:\n  type: object\n  properties:\n    a: {{$schema: '{url}/nested', type: string}}\n"
    message = load_error(tmp_path, topics(schema))
    assert message.startswith(where(tmp_path, 8)), message
    assert f"unknown $schema '{url}/nested'" in message
    assert requests == []


@pytest.mark.parametrize("how", ["yaml", "mapping"])
def test_a_remote_ref_is_an_error_and_never_fetched(
    tmp_path: Path, schema_server: tuple[str, list[str]], how: str
) -> None:
    url, requests = schema_server
    schema = {"type": "object", "properties": {"a": {"$ref": f"{url}/remote.json"}}}
    source: object
    if how == "yaml":
        source = tmp_path / "topics.yaml"
        source.write_text(topics(f"Schema: {json.dumps(schema)}\n"), encoding="utf-8")
    else:
        topic = {"Action": "Created", "Entity": "Test", "Schema": schema}
        source = {"DefaultCategory": "testing", "Topics": [topic]}
    with pytest.raises(TopicDefinitionError) as raised:
        EventClient(None, "S", source)
    assert f"{url}/remote.json is outside the topic schema and is not fetched" in str(raised.value)
    assert "topic testing.TestCreated" in str(raised.value)
    assert requests == []


def test_an_unknown_schema_uri_in_a_mapping_is_an_error(schema_server: tuple[str, list[str]]) -> None:
    url, requests = schema_server
    source = {
        "DefaultCategory": "testing",
        "Topics": [{"Action": "Created", "Entity": "Test", "Schema": {"$schema": f"{url}/meta"}}],
    }
    expected = r"^<mapping>: topic testing\.TestCreated: unknown \$schema"
    with pytest.raises(TopicDefinitionError, match=expected):
        EventClient(None, "S", source)
    assert requests == []


# --- lines of schema nodes, keys as written -----------------------------------------------


NESTED = """\
Schema:
  type: object
  properties:
    name: {type: string}
    address:
      type: object
      properties:
        street: {type: string}
        zip:
          type: strin
"""


@pytest.mark.parametrize("path", PATHS)
def test_an_invalid_schema_node_is_reported_at_its_line(tmp_path: Path, path: str) -> None:
    message = load_error(tmp_path, topics(NESTED, path))
    assert message.startswith(where(tmp_path, 14)), message


@pytest.mark.parametrize("path", PATHS)
def test_every_schema_node_has_a_line(tmp_path: Path, path: str) -> None:
    file = tmp_path / "topics.yaml"
    file.write_text(topics(NESTED.replace("type: strin\n", "type: string\n"), path), encoding="utf-8")
    [topic] = load_topic_definitions(file).topics
    assert topic.line == 3
    assert topic.line_of() == 5  # the Schema key
    assert topic.line_of("/properties/address") == 9
    assert topic.line_of("/properties/address/properties/zip/type") == 14
    assert topic.line_at(["properties", "name", "type"]) == 8
    assert topic.line_of("/properties/nowhere/type") == 7  # the deepest node that exists


@pytest.mark.parametrize("path", PATHS)
def test_a_key_yaml_reads_as_a_boolean_is_shown_as_written(tmp_path: Path, path: str) -> None:
    schema = "Schema:\n  type: object\n  properties:\n    name: {type: string}\n    yes: {type: string}\n"
    message = load_error(tmp_path, topics(schema, path))
    problem = "the key yes is read by YAML as True, not a string; quote it: 'yes'"
    assert message == where(tmp_path, 9) + problem


def test_topics_from_a_mapping_fall_back_to_no_line() -> None:
    definitions = load_topic_definitions(
        {"DefaultCategory": "testing", "Topics": [{"Action": "Created", "Entity": "Test", "Schema": {}}]}
    )
    assert definitions.topics[0].line_of("/properties/a") is None


# --- YAML 1.1 booleans and numbers in string enums (the "Norway problem") -----------------


NORWAY = """\
Schema:
  type: object
  properties:
    country: {type: string, enum: [SE, NO, DK, FI]}
    mode: {type: string, enum: [auto, "on", off]}
    version:
      type: string
      enum:
        - 1.10
    flag: {type: string, const: yes}
    fine: {type: [string, boolean], enum: [yes, maybe]}
    count: {type: integer, enum: [1, 2]}
"""


@pytest.mark.parametrize("path", PATHS)
def test_values_yaml_does_not_read_as_strings_in_string_enums_are_warned_about(
    tmp_path: Path, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    file = tmp_path / "topics.yaml"
    file.write_text(topics(NORWAY, path), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="bc.events"):
        client = EventClient(None, "S", file)
    read = "warning: {} value {} of a string schema is read by YAML as the {}, not the string '{}'; "
    read += "quote it: '{}'"
    expected = [
        f"{file}:{line}: topic testing.TestCreated: " + read.format(keyword, text, value, text, text)
        for line, keyword, text, value in [
            (8, "enum", "NO", "boolean false"),
            (9, "enum", "off", "boolean false"),
            (13, "enum", "1.10", "number 1.1"),
            (14, "const", "yes", "boolean true"),
        ]
    ]
    assert [record.getMessage() for record in caplog.records] == expected
    assert all(record.levelno == logging.WARNING for record in caplog.records)
    assert [str(warning) for warning in load_topic_definitions(file).warnings] == expected
    assert [warning.line for warning in load_topic_definitions(file).warnings] == [8, 9, 13, 14]
    # a warning, not an error: the topics load and validate as YAML read them
    with client.service_session("job") as session:
        session.publish(action="Created", entity="Test", data={"country": "SE"})
