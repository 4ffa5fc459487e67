from names_gen import (
    DiscussionEditedChanges,
    EventClient,
    HomeAddress,
    IssueEditedChanges,
    OrderPlacedData,
    RefundRequestedData,
    WorkAddress,
)

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
    session.edited_issue({"changes": {"body": {"from": "old"}}})
    session.edited_discussion({"changes": {"body": {"from": 1}}})  # E

issue_changes: IssueEditedChanges = {"body": {}}
discussion_changes: DiscussionEditedChanges = issue_changes
