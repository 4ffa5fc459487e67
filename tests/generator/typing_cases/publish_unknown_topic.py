from events_gen import EventClient

client = EventClient(None, "PolicyService")
with client.service_session("job-1") as session:
    session.publish(action="Deleted", entity="Policy", data={"id": "1"})
