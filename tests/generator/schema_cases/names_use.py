from names_gen import EventClient, HomeAddress, OrderPlacedData, RefundRequestedData, WorkAddress

client = EventClient(None, "ShopService")
work: WorkAddress = {"street": "1 Main St"}
home: HomeAddress = {"street": "2 High St"}
order: OrderPlacedData = {"id": "o-1", "ship_to": home, "bill_to": work}
refund: RefundRequestedData = {"id": "r-1"}
with client.service_session("job-1") as session:
    session.placed_order(order)
    session.requested_refund(refund)
    session.placed_order({"id": "o-2", "bill_to": {"street": 1}})  # E
    session.requested_refund({"id": 2})  # E
