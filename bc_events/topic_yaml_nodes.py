"""The full path of ``topic_yaml``: PyYAML's composer and safe constructor, for what events cannot do.

The node graph is checked before anything is constructed (duplicate keys,
recursive aliases, alias expansion: all walked iteratively, each node once),
then mapped to the constructed values for the lines of every node.  Nodes
do not keep where an alias was written: a problem found at an alias is placed
at its key's line in a mapping, at its sequence's first line in a sequence.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from bc_events.errors import TopicDefinitionError
from bc_events.topic_source import KeyLines, ParsedTopics, Recorder

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"


class _Loader(_Base):  # type: ignore[misc,valid-type]
    """The safe loader, remembering which value each node became."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.built: dict[yaml.Node, Any] = {}

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        data = super().construct_object(node, deep)
        self.built[node] = data
        return data


def parse_with_nodes(text: str, source: str) -> ParsedTopics:
    """What ``topic_yaml.parse_topic_yaml`` gives, through the full loader."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise TopicDefinitionError("the file is empty", source=source)
        recorder = Recorder()
        topics = _topics_node(node)
        recorder.topic_lines.extend(_key_lines(item) for item in (topics.value if topics else ()))
        _check_graph(node, topics, loader, recorder)
        document = loader.construct_document(node)
        _map_graph(node, topics, loader.built, recorder)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = " ".join(part for part in (error.context, error.problem) if part)
        line = None if mark is None else mark.line + 1
        raise TopicDefinitionError(f"invalid YAML: {problem}", source=source, line=line) from None
    except yaml.YAMLError as error:
        raise TopicDefinitionError(f"invalid YAML: {error}", source=source) from None
    finally:
        loader.dispose()
    return recorder.finish(document)


def _topics_node(root: yaml.Node) -> yaml.SequenceNode | None:
    found = None
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value == "Topics" and isinstance(value, yaml.SequenceNode):
                found = value  # the last, as the constructed mapping keeps it
    return found


def _key_lines(node: yaml.Node) -> KeyLines:
    lines = {"": node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode):
                lines[key.value] = key.start_mark.line + 1
    return lines


def _children(
    node: yaml.Node, topics: yaml.Node | None, topic: int | None
) -> Iterator[tuple[yaml.Node, int, int | None]]:
    """Each child of ``node``, with the line (1-based) it is referred to from and its topic index."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            line = key.start_mark.line + 1
            yield key, line, topic
            yield value, line, topic
    elif isinstance(node, yaml.SequenceNode):
        line = node.start_mark.line + 1
        for index, item in enumerate(node.value):
            yield item, line, index if node is topics else topic


def _check_graph(root: yaml.Node, topics: yaml.Node | None, loader: _Loader, recorder: Recorder) -> None:
    """Duplicate keys, recursive aliases and expanded size, depth first in document order."""
    sizes: dict[int, int] = {}
    stack: list[list[Any]] = [[root, _children(root, topics, None), 1]]  # node, children, expanded size
    _check_keys(root, loader, recorder, None)
    open_nodes = {id(root)}
    while stack:
        frame = stack[-1]
        step = next(frame[1], None)
        if step is None:
            stack.pop()
            open_nodes.discard(id(frame[0]))
            sizes[id(frame[0])] = frame[2]
            if stack:
                stack[-1][2] += frame[2]
            continue
        child, line, topic = step
        if id(child) in open_nodes:
            recorder.recursive_alias(line, child.start_mark.line + 1, topic)
            frame[2] += 1
        elif id(child) in sizes:  # met again: an alias
            recorder.expanded(sizes[id(child)] - 1, line, topic)
            frame[2] += sizes[id(child)]
        elif isinstance(child, yaml.ScalarNode):
            sizes[id(child)] = 1
            frame[2] += 1
        else:
            _check_keys(child, loader, recorder, topic)
            open_nodes.add(id(child))
            stack.append([child, _children(child, topics, topic), 1])


def _check_keys(node: yaml.Node, loader: _Loader, recorder: Recorder, topic: int | None) -> None:
    if not isinstance(node, yaml.MappingNode):
        return
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE_TAG:
            continue
        key = loader.construct_object(key_node)
        line = key_node.start_mark.line + 1
        if key in seen:
            recorder.duplicate_key(key_node.value, seen[key], line, topic)
        else:
            seen[key] = line


def _map_graph(
    root: yaml.Node, topics: yaml.Node | None, built: dict[yaml.Node, Any], recorder: Recorder
) -> None:
    """Record the line of every collection, key and item, and the values worth a warning."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int | None]] = [(root, None)]
    while stack:
        node, topic = stack.pop()
        if id(node) in seen or isinstance(node, yaml.ScalarNode):
            continue
        seen.add(id(node))
        container = built[node]
        entry = recorder.source_map.enter(container, node.start_mark.line)
        if isinstance(node, yaml.SequenceNode):
            entry.extend(item.start_mark.line for item in node.value)
            children = [(item, index if node is topics else topic) for index, item in enumerate(node.value)]
            stack.extend(reversed(children))
            continue
        key_lines: dict[Any, int] = {}
        for key_node, value_node in node.value:  # merged keys first, as the mapping has them
            key = built[key_node]
            key_lines[key] = key_node.start_mark.line
            _note_key(container, key, key_node, value_node, built, recorder, topic)
            stack.append((value_node, topic))
        entry.extend(key_lines.values())


def _note_key(
    container: Any,
    key: Any,
    key_node: yaml.Node,
    value_node: yaml.Node,
    built: dict[yaml.Node, Any],
    recorder: Recorder,
    topic: int | None,
) -> None:
    line = key_node.start_mark.line + 1
    if not isinstance(key, str):
        written = getattr(key_node, "value", None)
        recorder.source_map.written_key(container, key, written)
        recorder.non_string_key(written if isinstance(written, str) else str(key), key, line, topic)
    elif key == "const":
        _note_plain(container, key, value_node, built, recorder, topic)
    elif key == "enum" and isinstance(value_node, yaml.SequenceNode):
        for item in value_node.value:
            _note_plain(container, key, item, built, recorder, topic)


def _note_plain(
    holder: Any,
    keyword: str,
    node: yaml.Node,
    built: dict[yaml.Node, Any],
    recorder: Recorder,
    topic: int | None,
) -> None:
    if isinstance(node, yaml.ScalarNode) and not node.style and node.tag != _STR_TAG:
        value = built[node]
        if value is not None:
            recorder.plain_value(holder, keyword, node.value, value, node.start_mark.line + 1, topic)
