from events_gen import EventClient

client = EventClient(None, "PolicyService")
with client.service_session("job-1") as session:
    session.billing__paid_invoice({"invoice_id": "I-1", "amount": 10.0, "currency": "JPY", "paid": True})
