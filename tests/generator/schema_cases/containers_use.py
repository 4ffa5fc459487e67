from containers_gen import EventClient, Temperature

client = EventClient(None, "SensorService")
temperatures: list[Temperature] = [{"celsius": 21.5}]
labels: dict[str, str] = {"room": "kitchen"}
values: list[int] = [1, 2]
with client.service_session("job-1") as session:
    session.read_sensor({"readings": temperatures, "labels": labels, "values": values, "at": [1, 2]})
    session.read_sensor({"readings": [{"percent": 40}], "labels": {}, "values": [0.5], "at": [0.5, 1]})
    session.read_sensor({"readings": [{"percent": 0.5}], "labels": {}, "values": [], "at": [0, 0]})  # E
    session.read_sensor({"readings": [], "labels": {"a": None}, "values": [], "at": [0, 0]})  # E
    session.read_sensor({"readings": [], "labels": {}, "values": ["1"], "at": [0, 0]})  # E
    session.read_sensor({"readings": [], "labels": {}, "values": [], "at": ["0", 0]})  # E
