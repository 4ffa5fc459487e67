from untyped_gen import EventClient

client = EventClient(None, "InventoryService")
with client.service_session("job-1") as session:
    session.counted_stock({"where": {"shelf": 3}})
    session.counted_stock({"where": "back room"})
    session.counted_stock({"where": None})
    session.counted_stock({"where": {"shelf": "3"}})  # E
    session.counted_stock({"where": {}})  # E
