from events_gen import EventClient

client = EventClient(None, "PolicyService")
with client.service_session("job-1") as session:
    session.contact_updated({"class": "gold", "first-name": "Ada", "+1": "three"})
