from events_gen import current_session

current_session().policy_cancelled({"id": "P-1", "reason": "bored", "cancelled_by": 7})
