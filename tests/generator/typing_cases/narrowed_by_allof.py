from events_gen import EventClient

client = EventClient(None, "PolicyService")
with client.service_session("job-1") as session:
    session.claim_filed({"claim_id": "C", "policy_id": "P", "status": "closed", "location": (1.0, 2.0)})
