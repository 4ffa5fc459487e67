from events_gen import EventClient

client = EventClient(None, "PolicyService")
with client.service_session("job-1") as session:
    session.created_policy(
        {
            "id": "1",
            "number": "P-000001",
            "status": "active",
            "insured": {"name": "Ada"},
            "premium": 1.0,
            "term_months": 6,
            "tags": "urgent",
        }
    )
