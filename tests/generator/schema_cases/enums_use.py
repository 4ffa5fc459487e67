from enums_gen import Currency, EventClient, Kind, MaybeCurrency

client = EventClient(None, "BillingService")
currency: Currency = "EUR"
kind: Kind = "standard"
fallback: MaybeCurrency = None
wrong: Currency = "JPY"  # E
with client.service_session("job-1") as session:
    session.issued_invoice({"currency": currency, "first-line": kind, "fallback": fallback})
    session.issued_invoice({"currency": "GBP", "first-line": "standard"})  # E
