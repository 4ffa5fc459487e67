"""TopicCatalog: the loaded topics, their compiled validators and their shortcut names.

The data half of a client, shared by the client (which makes sessions) and by
the sessions (which look topics up when they publish), so that neither module
imports the other.
"""

from __future__ import annotations

import logging

from bc_events.counting import EventCount
from bc_events.errors import UnknownTopicError
from bc_events.naming import action_first_name, entity_first_name
from bc_events.topics import Topic, TopicSource, load_topic_definitions, topic_name
from bc_events.validation import PayloadValidator

__all__ = ["TopicCatalog"]


class TopicCatalog:
    """The topics of one set of definitions, with a compiled validator per topic.

    Loading logs the definitions' warnings on the ``bc.events`` logger rather
    than raising them: a running service keeps its topics.
    """

    def __init__(self, topic_definitions: TopicSource) -> None:
        definitions = load_topic_definitions(topic_definitions)
        for warning in definitions.warnings:
            logging.getLogger("bc.events").warning("%s", warning)
        self.default_category = definitions.default_category
        self.topic_table: dict[str, Topic] = definitions.table()
        self._validators = {
            name: PayloadValidator(topic, definitions.source) for name, topic in self.topic_table.items()
        }
        self._shortcuts = _shortcut_table(definitions.topics, self.default_category)
        self.published = EventCount()
        """Events its sessions validated and queued (or sent at once): ``EventClient.stats()``."""

    def get_topic(self, category: str, entity: str, action: str) -> Topic:
        """The topic ``category.EntityAction``; ``UnknownTopicError`` (a ValueError) if undefined."""
        name = topic_name(category, entity, action)
        try:
            return self.topic_table[name]
        except KeyError:
            raise UnknownTopicError(name, known=self.topic_table) from None

    def validator(self, name: str) -> PayloadValidator:
        """The compiled payload validator of topic ``name``."""
        return self._validators[name]

    def shortcut_topic(self, shortcut: str) -> Topic:
        """The default-category topic a shortcut such as ``created_my_entity`` publishes."""
        topic = self._shortcuts.get(shortcut)
        if topic is None:
            raise AttributeError(
                f"no topic shortcut {shortcut!r}: no topic in category {self.default_category!r} "
                "is named that way (use publish(action=..., entity=..., category=...))"
            )
        return topic


def _shortcut_table(topics: tuple[Topic, ...], default_category: str) -> dict[str, Topic]:
    """Shortcut name -> topic for default-category topics; names two topics share are left out."""
    table: dict[str, Topic] = {}
    ambiguous: set[str] = set()
    for topic in topics:
        if topic.category != default_category:
            continue
        for name in {
            action_first_name(topic.entity, topic.action),
            entity_first_name(topic.entity, topic.action),
        }:
            if name in table and table[name] is not topic:
                ambiguous.add(name)
            table[name] = topic
    for name in ambiguous:
        del table[name]
    return table
