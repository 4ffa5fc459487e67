from ref_siblings_gen import EventClient

client = EventClient(None, "StaffService")
with client.service_session("job-1") as session:
    session.hired_employee({"person": {"name": "Ada", "employee_no": 7}})
    session.hired_employee({"person": {"name": "Ada"}})  # E
    session.hired_employee({"person": {"name": "Ada", "employee_no": "7"}})  # E
    session.left_employee({"person": {"name": "Ada"}})
    session.left_employee({"person": {"name": 1}})  # E
