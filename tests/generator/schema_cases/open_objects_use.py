from typing import cast

from open_objects_gen import EventClient, PriceQuotedNote

client = EventClient(None, "SalesService")
with client.service_session("job-1") as session:
    session.quoted_price({"fees": {"total": 12.5, "stamp_duty": 2.0}, "codes": {"main": "A", "x-level": 2}})
    session.quoted_price({"fees": {"total": "12.5"}, "codes": {}})  # E
    session.quoted_price({"fees": {"total": 1}, "codes": {"x-level": None}})  # E
    session.quoted_price({"fees": {"total": 1}, "codes": {}, "note": {"text": "hi"}})
    session.quoted_price(
        {"fees": {"total": 1}, "codes": {}, "note": {"text": "hi", "extra": 1}}
    )  # E (closed)
    # The escape hatch for a key the types do not know (the runtime still validates it):
    session.quoted_price(
        {"fees": {"total": 1}, "codes": {}, "note": cast(PriceQuotedNote, {"text": "hi", "extra": 1})}
    )
