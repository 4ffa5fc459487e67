from documented_gen import EventClient

client = EventClient(None, "CrmService")
with client.service_session("job-1") as session:
    session.converted_lead({"id": "L-2"})
    session.merged_lead({"id": "L-1"})  # E (deprecated)
    session.lead_merged({"id": "L-1"})  # E (deprecated)
    session.publish(action="Merged", entity="Lead", data={"id": "L-1"})  # E (deprecated)
    session.publish(action="Converted", entity="Lead", data={"id": "L-1"})
    session.converted_lead({"id": 2})  # E
