"""``manage.py bc_events_relay``: deliver the outbox's rows until SIGTERM (or once, with ``--once``)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bc_events.django.outbox import DjangoOutboxStore, outbox_settings
from bc_events.outbox.relay import Relay, RelayOptions
from bc_events.transport import HttpTransport

logger = logging.getLogger("bc.events.outbox")


class Command(BaseCommand):
    help = "Deliver the bc-events outbox to the Events API (BC_EVENTS['API_URL']) until SIGTERM."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, help="seconds between passes when idle")
        parser.add_argument("--batch-size", type=int, help="rows claimed per pass")
        parser.add_argument("--senders", type=int, default=1, help="threads sending different jobs at once")
        parser.add_argument("--once", action="store_true", help="one pass, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        config = outbox_settings()
        if not config.api_url:
            raise CommandError("BC_EVENTS['API_URL'] is not set: the relay has nowhere to deliver to")
        try:
            relay_options = RelayOptions(
                batch_size=options["batch_size"] or config.batch_size,
                interval=config.interval if options["interval"] is None else options["interval"],
                senders=options["senders"],
                retention=config.retention,
                metrics_every=config.metrics_every,
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        relay = Relay(DjangoOutboxStore(config.database), HttpTransport(config.api_url), relay_options)
        try:
            if options["once"]:
                settlement = relay.run_once()
                self.stdout.write(
                    f"delivered {len(settlement.delivered)}, rejected {len(settlement.rejected)},"
                    f" released {len(settlement.released)}"
                )
                return
            relay.stop_on_signals()
            relay.run()
        finally:
            relay.close()
            relay.transport.close()
