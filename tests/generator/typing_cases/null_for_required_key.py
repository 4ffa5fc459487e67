from events_gen import EventClient

client = EventClient(None, "PolicyService")
with client.service_session("job-1") as session:
    session.filed_claim({"claim_id": "C", "policy_id": "P", "status": "open", "location": None})
