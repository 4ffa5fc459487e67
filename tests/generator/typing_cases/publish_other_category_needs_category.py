from events_gen import EventClient

client = EventClient(None, "PolicyService")
with client.service_session("job-1") as session:
    session.publish(
        action="Paid",
        entity="Invoice",
        data={"invoice_id": "I", "amount": 1.0, "currency": "EUR", "paid": True},
    )
