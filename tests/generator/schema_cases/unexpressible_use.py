from unexpressible_gen import EventClient

client = EventClient(None, "Service")
with client.service_session("job-1") as session:
    session.created_blank({"": "empty key", "other": 1})
    session.created_blank({"": 1.5})  # E
    session.created_big({"id": 9223372036854775808, "small": 9223372036854775807})
    session.created_big({"id": -9223372036854775809, "small": 9223372036854775807})
    session.created_big({"id": "1", "small": 9223372036854775807})  # E
    session.created_big({"id": 1, "small": 1})  # E
    session.created_maybe({"id": "m"})
    session.created_maybe(None)  # E
    session.created_either({"id": "e"})
    session.created_either("e")  # E
    session.created_either([])  # E
