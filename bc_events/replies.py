"""Reading replies lives in ``bc_events.delivery.replies``; this module keeps the old import path."""

from bc_events.delivery.messages import RawReply
from bc_events.delivery.replies import ACCEPTED, Outcome, printable, read_reply

__all__ = ["ACCEPTED", "Outcome", "RawReply", "printable", "read_reply"]
