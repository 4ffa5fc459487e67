from events_gen import EventClient

client = EventClient(None, "PolicyService")
with client.service_session() as session:
    session.publish(action="Deleted", entity="Policy", data={"id": "1"})
