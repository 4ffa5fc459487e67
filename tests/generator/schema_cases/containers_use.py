from containers_gen import EventClient, Temperature

client = EventClient(None, "SensorService")
temperatures: list[Temperature] = [{"celsius": 21.5}]
labels: dict[str, str] = {"room": "kitchen"}
values: list[int] = [1, 2]
with client.service_session("job-1") as session:
    session.taken_reading({"readings": temperatures, "labels": labels, "values": values, "position": [1, 2]})
    session.taken_reading({"readings": [{"percent": 40}], "labels": {}, "values": [0.5], "position": [0.5, 1]})
    session.taken_reading({"readings": [{"percent": 0.5}], "labels": {}, "values": [], "position": [0, 0]})  # E
    session.taken_reading({"readings": [], "labels": {"a": None}, "values": [], "position": [0, 0]})  # E
    session.taken_reading({"readings": [], "labels": {}, "values": ["1"], "position": [0, 0]})  # E
    session.taken_reading({"readings": [], "labels": {}, "values": [], "position": ["0", 0]})  # E
