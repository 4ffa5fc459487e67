from events_gen import EventClient

client = EventClient(None, "PolicyService")
with client.service_session("job-1") as session:
    session.publish(
        action="Cancelled", entity="Policy", data={"id": "1", "reason": "bored", "cancelled_by": 7}
    )
