"""``bc-events-relay``: the outbox relay for SQLAlchemy applications (and any SQLite/PostgreSQL outbox).

    bc-events-relay run --database-url postgresql+psycopg://app@db/app --api-url https://events.example
    bc-events-relay dead-letters list | requeue ID... | requeue --all
    bc-events-relay metrics                    # the outbox's metrics as one JSON object

``--database-url`` defaults to ``$BC_EVENTS_DATABASE_URL``, ``--api-url`` to
``$EVENTS_API_URL``.  Exit status 2 for bad arguments, with a message.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence

from bc_events.outbox.metrics import outbox_metrics
from bc_events.outbox.relay import Relay, RelayOptions
from bc_events.outbox.sqlstore import DbApiStore
from bc_events.transport import HttpTransport


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bc-events-relay", description="Deliver the bc-events outbox.")
    parser.add_argument("--database-url", default=os.environ.get("BC_EVENTS_DATABASE_URL"))
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="deliver pass after pass until SIGTERM")
    run.add_argument("--api-url", default=os.environ.get("EVENTS_API_URL"))
    run.add_argument("--interval", type=float, default=1.0, help="seconds between passes when idle")
    run.add_argument("--batch-size", type=int, default=500, help="rows claimed per pass")
    run.add_argument("--senders", type=int, default=1, help="threads sending different jobs at once")
    run.add_argument("--retention", type=float, default=None, help="purge delivered rows older than this (s)")
    run.add_argument("--metrics-every", type=float, default=60.0, help="log the metrics this often (s)")
    run.add_argument("--lease", type=float, default=60.0, help="SQLite: seconds a relay's lease lasts")
    run.add_argument("--create-tables", action="store_true", help="create the outbox's tables if missing")
    run.add_argument("--once", action="store_true", help="one pass, then exit")
    letters = commands.add_parser("dead-letters", help="list or requeue rejected rows")
    letters.add_argument("action", choices=["list", "requeue"])
    letters.add_argument("ids", nargs="*", type=int)
    letters.add_argument("--all", action="store_true", help="requeue every dead letter")
    commands.add_parser("metrics", help="print the outbox's metrics as JSON")
    return parser


def _store(parser: argparse.ArgumentParser, url: str | None, lease: float = 60.0) -> DbApiStore:
    if not url:
        parser.error("--database-url (or $BC_EVENTS_DATABASE_URL) is required")
    try:
        from sqlalchemy import create_engine
        from sqlalchemy.exc import ArgumentError

        from bc_events.outbox.sqlalchemy import SqlAlchemyOutboxStore
    except ImportError:
        parser.error("bc-events-relay needs SQLAlchemy: pip install 'bc-events[outbox-sqlalchemy]'")
    try:
        return SqlAlchemyOutboxStore(create_engine(url), lease_seconds=lease)
    except (ArgumentError, ValueError, ImportError) as error:
        parser.error(f"--database-url {url!r}: {error}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "dead-letters":
        return _dead_letters(parser, args)
    store = _store(parser, args.database_url, getattr(args, "lease", 60.0))
    if args.command == "metrics":
        print(json.dumps(outbox_metrics(store)))
        return 0
    if not args.api_url:
        parser.error("--api-url (or $EVENTS_API_URL) is required")
    try:
        options = RelayOptions(
            batch_size=args.batch_size,
            interval=args.interval,
            senders=args.senders,
            retention=args.retention,
            metrics_every=args.metrics_every or None,
        )
        transport = HttpTransport(args.api_url)
    except ValueError as error:
        parser.error(str(error))
    if args.create_tables:
        store.create_tables()
    relay = Relay(store, transport, options)
    try:
        if args.once:
            settlement = relay.run_once()
            print(
                f"delivered {len(settlement.delivered)}, rejected {len(settlement.rejected)},"
                f" released {len(settlement.released)}"
            )
        else:
            relay.stop_on_signals()
            relay.run()
    finally:
        relay.close()
        transport.close()
        store.close()
    return 0


def _dead_letters(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    store = _store(parser, args.database_url)
    if args.action == "list":
        for row in store.dead_letters(1000):
            print(f"{row.id}\t{row.topic}\tjob {row.job_id}\t{row.attempts} attempt(s)\t{row.last_error}")
        return 0
    if not args.ids and not args.all:
        parser.error("name the row ids to requeue, or pass --all")
    print(f"requeued {store.requeue(None if args.all else args.ids)} row(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
