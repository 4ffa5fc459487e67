"""bc-events-gen: topic YAML -> typed Python module.

Each step hands a finished value to the next::

    load_topics (YAML -> TopicDefinitions)  ->  SchemaConverter (schemas -> type nodes)
    ->  plan_module (names, order)  ->  render_module (source text, black-formatted)
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from bc_events import __version__
from bc_events.generator.diagnostics import WarningLog
from bc_events.generator.load import load_topics
from bc_events.generator.model import ModuleSpec, Options, plan_module
from bc_events.generator.naming import topic_prefix
from bc_events.generator.render import render_module
from bc_events.generator.schema import SchemaConverter
from bc_events.generator.typetable import TypeTable

__all__ = ["Options", "generate"]


def generate(path: str, options: Options | None = None, warn: Callable[[str], Any] | None = None) -> str:
    """The generated module for the topic file ``path``.

    Raises ``TopicDefinitionError`` for bad input.  Warnings (a construct typed
    wider than its schema) go to ``warn``, once per construct; stderr by default.
    """
    options = options or Options()
    loaded = load_topics(path)
    definitions = loaded.definitions
    log = WarningLog(definitions.source, warn or (lambda message: print(message, file=sys.stderr)))
    converter = SchemaConverter(TypeTable(), definitions.source, log.warn)
    # Converted in the order of topic names, not of the file: which copy of a definition is
    # met first decides its candidate names, and moving a topic must never rename a type.
    by_name = sorted(definitions.topics, key=lambda topic: topic.name)
    converted = {
        topic.name: converter.convert_topic(topic, topic_prefix(topic, definitions.default_category))
        for topic in by_name
    }
    payloads = [converted[topic.name] for topic in definitions.topics]
    topics, objects, aliases, forward = plan_module(definitions, payloads, options)
    module = ModuleSpec(
        source_name=os.path.basename(path),
        source_sha256=loaded.sha256,
        generator_version=__version__,
        default_category=definitions.default_category,
        options=options,
        topics=topics,
        objects=objects,
        aliases=aliases,
        forward=forward,
        embedded=loaded.embedded,
    )
    return render_module(module)
