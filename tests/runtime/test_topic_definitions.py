"""Topic definitions: every mistake is a TopicDefinitionError naming file, line and topic."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import pytest

from bc_events import EventClient, TopicDefinitionError, load_topic_definitions

GOOD = """\
DefaultCategory: testing
Topics:
  - Action: Created
    Entity: Test
    Description: A new Test was created
    Schema: {type: object, required: [id], properties: {id: {type: string}}}
  - Action: Deleted
    Entity: MyEntity
    Category: other
    Schema: {type: object}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "topics.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load_error(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(TopicDefinitionError) as raised:
        EventClient(None, "TestService", path)
    return str(raised.value)


@pytest.mark.parametrize("as_type", [str, Path], ids=["str", "pathlike"])
def test_a_path_an_open_file_and_a_mapping_load_the_same_topics(tmp_path: Path, as_type: type) -> None:
    path = write(tmp_path, GOOD)
    from_path = EventClient(None, "S", as_type(path)).topic_table
    with open(path, encoding="utf-8") as stream:
        from_file = EventClient(None, "S", stream).topic_table
    mapping = {
        "DefaultCategory": "testing",
        "Topics": [
            {
                "Action": "Created",
                "Entity": "Test",
                "Description": "A new Test was created",
                "Schema": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
            },
            {"Action": "Deleted", "Entity": "MyEntity", "Category": "other", "Schema": {"type": "object"}},
        ],
    }
    from_mapping = EventClient(None, "S", mapping).topic_table
    assert from_path == from_file == from_mapping
    assert sorted(from_path) == ["other.MyEntityDeleted", "testing.TestCreated"]
    assert from_path["testing.TestCreated"].line == 3


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    message = load_error(
        tmp_path,
        """\
        DefaultCategory: testing
        Topics:
          - Action: Created
            Entity: [Test
            Schema: {type: object}
        """,
    )
    assert message.startswith(f"{tmp_path / 'topics.yaml'}:")
    assert "invalid YAML" in message
    assert ":4:" in message or ":5:" in message


def test_empty_file(tmp_path: Path) -> None:
    assert "empty" in load_error(tmp_path, "")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("DefaultCategory: testing\n", "Topics"),
        ("DefaultCategory: testing\nTopics: {Action: Created}\n", "Topics must be a list"),
        ("Topics: []\n", "DefaultCategory"),
        ("- just\n- a list\n", "expected a mapping"),
    ],
    ids=["no-topics", "topics-not-a-list", "no-default-category", "not-a-mapping"],
)
def test_top_level_problems_name_the_file(tmp_path: Path, text: str, problem: str) -> None:
    message = load_error(tmp_path, text)
    assert message.startswith(str(tmp_path / "topics.yaml"))
    assert problem in message


@pytest.mark.parametrize("missing", ["Entity", "Action", "Schema"])
def test_missing_topic_key_names_file_line_and_topic(tmp_path: Path, missing: str) -> None:
    lines = {
        "Action": "    Action: Created",
        "Entity": "    Entity: Test",
        "Schema": "    Schema: {type: object}",
    }
    body = "\n".join(line for key, line in lines.items() if key != missing)
    first = "  - Action: Ok\n    Entity: First\n    Schema: {}\n"
    text = f"DefaultCategory: testing\nTopics:\n{first}  -{body[3:]}\n"
    message = load_error(tmp_path, text)
    assert message.startswith(f"{tmp_path / 'topics.yaml'}:6: topic ")
    assert f"missing required key '{missing}'" in message
    if missing == "Schema":
        assert "topic testing.TestCreated:" in message  # named by its full name when it has one
    else:
        assert "topic #2:" in message  # without Entity or Action: named by its position


@pytest.mark.parametrize(
    ("key_line", "expected"),
    [
        ("Entity: test", "Entity must match ^([A-Z][a-z]+)+$, got 'test'"),
        ("Entity: MyENTITY", "Entity must match"),
        ("Entity: My_Entity", "Entity must match"),
        ("Action: created", "Action must match ^[A-Z][a-z]+$, got 'created'"),
        ("Action: ReCreated", "Action must match"),
        ("Category: Other", "Category must match ^[a-z]+$, got 'Other'"),
        ("Category: my-cat", "Category must match"),
    ],
)
def test_names_breaking_the_patterns_are_errors(tmp_path: Path, key_line: str, expected: str) -> None:
    topic = {"Action": "Action: Created", "Entity": "Entity: Test", "Category": "Category: other"}
    key = key_line.split(":")[0]
    topic[key] = key_line
    body = "\n    ".join([*topic.values(), "Schema: {type: object}"])
    message = load_error(tmp_path, f"DefaultCategory: testing\nTopics:\n  - {body}\n")
    line = 3 + list(topic).index(key)
    assert message.startswith(f"{tmp_path / 'topics.yaml'}:{line}: topic ")
    assert expected in message


def test_bad_default_category(tmp_path: Path) -> None:
    message = load_error(tmp_path, "DefaultCategory: Testing\nTopics: []\n")
    assert "DefaultCategory must be a string matching ^[a-z]+$" in message


def test_duplicate_topic_names_both_lines(tmp_path: Path) -> None:
    message = load_error(
        tmp_path,
        """\
        DefaultCategory: testing
        Topics:
          - Action: Created
            Entity: Test
            Schema: {}
          - Action: Created
            Entity: Test
            Category: testing
            Schema: {}
        """,
    )
    assert message == (
        f"{tmp_path / 'topics.yaml'}:6: topic testing.TestCreated: duplicate topic: defined twice"
        " (first defined at line 3)"
    )


def test_invalid_json_schema_names_the_topic(tmp_path: Path) -> None:
    message = load_error(
        tmp_path,
        """\
        DefaultCategory: testing
        Topics:
          - Action: Created
            Entity: Test
            Schema: {type: not-a-type}
        """,
    )
    # the line of the offending schema node, not the topic's first line
    assert message.startswith(f"{tmp_path / 'topics.yaml'}:5: topic testing.TestCreated: ")
    assert "Schema" in message


def test_unknown_topic_key_is_an_error(tmp_path: Path) -> None:
    message = load_error(
        tmp_path,
        "DefaultCategory: testing\nTopics:\n"
        "  - Action: Created\n    Entity: Test\n    Shema: {}\n    Schema: {}\n",
    )
    assert message.startswith(
        f"{tmp_path / 'topics.yaml'}:5: topic testing.TestCreated: unknown key(s) 'Shema'"
    )


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system ['touch {target}']",
        "!!python/object/apply:builtins.open ['{target}', 'w']",
        "!!python/object/new:subprocess.check_call [['touch', '{target}']]",
    ],
    ids=["os.system", "open", "subprocess"],
)
def test_unsafe_yaml_tag_does_not_execute(tmp_path: Path, tag: str) -> None:
    """Each tag creates ``target`` under ``yaml.unsafe_load``; safe loading must refuse it."""
    target = tmp_path / "pwned"
    text = f"DefaultCategory: testing\nTopics:\n  - Action: Created\n    Entity: Test\n    Schema: {tag}\n"
    message = load_error(tmp_path, text.format(target=target))
    assert not target.exists(), "the YAML tag ran code"
    assert message.startswith(f"{tmp_path / 'topics.yaml'}:5:")
    assert "invalid YAML" in message


def test_errors_from_a_mapping_or_stream_name_the_topic(tmp_path: Path) -> None:
    with pytest.raises(
        TopicDefinitionError, match=r"^<mapping>: topic testing.TCreated: missing required key 'Schema'$"
    ):
        load_topic_definitions(
            {"DefaultCategory": "testing", "Topics": [{"Action": "Created", "Entity": "T"}]}
        )
    stream = io.StringIO(
        "DefaultCategory: testing\nTopics:\n  - Action: created\n    Entity: Test\n    Schema: {}\n"
    )
    with pytest.raises(
        TopicDefinitionError, match=r"^<stream>:3: topic testing.Testcreated: Action must match"
    ):
        load_topic_definitions(stream)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TopicDefinitionError, match="cannot read topic definitions"):
        EventClient(None, "TestService", tmp_path / "nope.yaml")


def test_topic_definition_error_is_a_value_error() -> None:
    assert issubclass(TopicDefinitionError, ValueError)
