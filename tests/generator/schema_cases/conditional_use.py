from conditional_gen import EventClient

client = EventClient(None, "FleetService")
with client.service_session("job-1") as session:
    session.registered_vehicle({"line": "auto", "vin": "WVW123"})
    session.registered_vehicle({"line": "manual"})
    session.registered_vehicle({"line": "auto", "vin": 123})  # E
    session.serviced_vehicle({"kind": "car", "mileage": 120000})
    session.serviced_vehicle({"kind": "boat", "hours": 310.5})
    session.serviced_vehicle({"kind": "car", "mileage": "far"})  # E
    session.serviced_vehicle({"kind": "plane"})  # E
