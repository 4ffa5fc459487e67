"""The connection pool lives in ``bc_events.transports.pool``; this module keeps the old import path."""

from bc_events.transports.pool import ConnectionPool
from bc_events.transports.proxy import choose_proxy

__all__ = ["ConnectionPool", "choose_proxy"]
