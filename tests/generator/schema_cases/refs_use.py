from refs_gen import EventClient

client = EventClient(None, "DocsService")
with client.service_session("job-1") as session:
    session.built_config({"options": {"strict": True}, "relation": "child", "align": 2, "self": {}})
    session.built_config({"options": {}, "relation": "child", "align": 2, "self": {}})  # E
    session.built_config({"options": {"strict": True}, "relation": "none", "align": 2, "self": {}})  # E
    session.built_config({"options": {"strict": True}, "relation": "child", "align": "2", "self": {}})  # E
    session.built_config(
        {"options": {"strict": True}, "relation": "child", "align": 2, "self": {}, "spaced": 1.5}
    )
    session.built_config(
        {"options": {"strict": True}, "relation": "child", "align": 2, "self": {}, "spaced": ""}
    )  # E
    session.built_config(
        {"options": {"strict": False}, "relation": "parent", "align": 1, "self": {}, "slashed": 1}
    )  # E
    session.built_config(
        {"options": {"strict": False}, "relation": "parent", "align": 1, "self": {}, "tilde": 1}
    )  # E
    session.built_config(
        {"options": {"strict": False}, "relation": "parent", "align": 1, "self": {}, "same_as_name": 1}
    )  # E
    session.anchored_config({"a": {"x": 1}, "b": "square", "c": {"side": "s"}})
    session.anchored_config({"a": {"x": "1"}, "b": "square"})  # E
    session.anchored_config({"a": {"x": 1}, "b": 4})  # E
    session.anchored_config({"a": {"x": 1}, "b": "s", "c": {"side": 4}})  # E
