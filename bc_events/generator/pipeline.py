"""The generator's steps, each handing a finished value to the next::

load_topics (YAML -> TopicDefinitions)  ->  SchemaConverter (schemas -> type nodes)
->  plan_module (names, order)  ->  render_pieces (pieces of source)
->  assemble (black's form, from the cache where black did the work before)
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

from bc_events import __version__
from bc_events.errors import TopicDefinitionError
from bc_events.generator.assemble import render_module
from bc_events.generator.checks import check_topic
from bc_events.generator.depth import NESTING_ADVICE, run_deep
from bc_events.generator.diagnostics import WarningLog
from bc_events.generator.load import load_topics
from bc_events.generator.model import ModuleSpec, Options, plan_module
from bc_events.generator.naming import ClassOptionError, check_class_options, data_type_name, topic_prefix
from bc_events.generator.schema import SchemaConverter
from bc_events.generator.typetable import TypeTable
from bc_events.validation import PayloadValidator

__all__ = ["ClassOptionError", "Options", "generate", "load_module_spec"]


def generate(
    path: str,
    options: Options | None = None,
    warn: Callable[[str], Any] | None = None,
    *,
    text: str | None = None,
    strict: bool = False,
    formatter: Callable[[str], str] | None = None,
) -> str:
    """The generated module for the topic file ``path`` (whose content is ``text`` if given).

    Raises ``TopicDefinitionError`` for bad input and ``ClassOptionError`` for an
    unusable class name.  Warnings (a construct typed wider than its schema) go
    to ``warn``, once per construct; stderr by default.  With ``strict`` they are
    errors: reported the same way, then a ``TopicDefinitionError``.  ``formatter``
    formats the pieces black must see (``cache.PieceCache.format`` reuses earlier work).
    """

    def work() -> str:
        module = load_module_spec(path, options, warn, text=text, strict=strict)
        with _nesting(path):
            rendered = render_module(module, formatter) if formatter is not None else render_module(module)
        _check_python_can_parse(rendered, path)
        return rendered

    return run_deep(work)


def load_module_spec(
    path: str,
    options: Options | None = None,
    warn: Callable[[str], Any] | None = None,
    *,
    text: str | None = None,
    strict: bool = False,
) -> ModuleSpec:
    """Everything ``generate`` lays out for ``path``, checked and named (same errors and warnings)."""
    return run_deep(lambda: _module_spec(path, options, warn, text=text, strict=strict))


def _module_spec(
    path: str,
    options: Options | None,
    warn: Callable[[str], Any] | None,
    *,
    text: str | None,
    strict: bool,
) -> ModuleSpec:
    options = options or Options()
    loaded = load_topics(path, text)
    definitions = loaded.definitions
    default = definitions.default_category
    payload_types = {data_type_name(topic, default): topic for topic in definitions.topics}
    check_class_options(options.client_class, options.session_class, payload_types)
    log = WarningLog(definitions.source, warn or (lambda message: print(message, file=sys.stderr)), strict)
    for warning in definitions.warnings:
        log.add(str(warning))
    for topic in definitions.topics:
        check_topic(topic, definitions.source)
    converter = SchemaConverter(TypeTable(), definitions.source, log.warn)
    # Converted in the order of topic names, not of the file: which copy of a definition is
    # met first decides its candidate names, and moving a topic must never rename a type.
    by_name = sorted(definitions.topics, key=lambda topic: topic.name)
    converted = {
        topic.name: converter.convert_topic(topic, topic_prefix(topic, definitions.default_category))
        for topic in by_name
    }
    for topic in definitions.topics:  # what EventClient compiles at start-up must compile here too
        PayloadValidator(topic, definitions.source)
    log.finish()
    # Declarations in the order of topic names too: reordering the file changes only the
    # input hash and the embedded definitions (which keep the file's order).
    ordered = dataclasses.replace(definitions, topics=tuple(by_name))
    payloads = [converted[topic.name] for topic in by_name]
    with _nesting(path):
        topics, objects, aliases, forward = plan_module(ordered, payloads, options)
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
    return module


@contextlib.contextmanager
def _nesting(source: str) -> Iterator[None]:
    """A type model too deep to lay out or render is the user's schema, not a crash."""
    try:
        yield
    except RecursionError:
        raise TopicDefinitionError(NESTING_ADVICE, source=source) from None


def _check_python_can_parse(text: str, source: str) -> None:
    """Python's parser has limits of its own (200 nested brackets): a module it refuses is not written."""
    try:
        compile(text, "<generated>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, RecursionError, MemoryError) as error:
        reason = error.msg if isinstance(error, SyntaxError) else type(error).__name__
        raise TopicDefinitionError(
            f"the generated module would not parse ({reason}): the schemas nest too deeply for Python; "
            "flatten them with definitions and $ref",
            source=source,
        ) from None
