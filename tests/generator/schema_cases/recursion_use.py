from recursion_gen import EventClient, Expr

client = EventClient(None, "RulesService")
leaf: Expr = {"value": "x"}
with client.service_session("job-1") as session:
    session.saved_rule({"expr": {"all": [{"value": "a"}, {"all": [{"value": "b"}, leaf]}]}})
    session.saved_rule({"expr": {"all": [{"value": "a"}, {"all": [{"value": 1}]}]}})  # E
    session.saved_rule({"expr": {"value": 2}})  # E
    session.nested_rule({"tree": ["a", ["b", ["c"]]]})
    session.nested_rule({"tree": ["a", [1]]})  # E
