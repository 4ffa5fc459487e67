"""``RetryPolicy`` lives in ``bc_events.delivery.retry``; this module keeps the old import path."""

from bc_events.delivery.retry import RetryPolicy

__all__ = ["RetryPolicy"]
