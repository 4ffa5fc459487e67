from nullable_gen import EventClient

client = EventClient(None, "NoteService")
with client.service_session("job-1") as session:
    session.created_note({"text": "hello"})
    session.created_note({"text": "hello", "cleared": None})
    session.created_note({"text": None})  # E
