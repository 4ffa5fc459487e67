from fidelity_gen import EventClient

client = EventClient(None, "ShapesService")
with client.service_session("job-1") as session:
    session.listed_item({})
    session.listed_item({"anything": [1, "a"]})
    session.counted_item({"n": 1})
    session.nested_item({"foo": False})
    session.nested_item({"foo": {"foo": [1]}})
    session.nested_item({"foo": {"bar": 1}})  # E
    session.nested_item({"bar": 1})  # E
    session.parsed_tree({"body": {"then": "x", "other": {"then": {"k": "v"}}}})
    session.parsed_tree({"body": {"then": 1}})  # E
    session.parsed_tree({"body": "text"})  # E
    session.matched_item({"bar": 2})
    session.matched_item({"foo": "baz"})
    session.matched_item({"foo": "baz", "bar": 2})
    session.matched_item({"foo": 2, "bar": "quux"})  # E
    session.extended_item({"foo": "a", "bar": "b"})
    session.extended_item({"foo": 1})  # E
    session.configured_field({"type": "dropdown", "attributes": {"options": ["a", "b"]}})
    session.configured_field({"type": "input", "attributes": {"options": "free"}})
    session.configured_field({"type": "other"})  # E
    session.configured_field({"type": "input", "attributes": {"options": 3}})  # E
    session.tagged_item({"x-count": 3, "note": "n"})
    session.tagged_item({"x-count": [3]})  # E
