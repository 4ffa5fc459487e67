"""``manage.py bc_events_dead_letters list|requeue``: the outbox's rejected rows."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bc_events.django.outbox import DjangoOutboxStore, outbox_settings


class Command(BaseCommand):
    help = "List the outbox's dead letters (events the Events API rejected), or requeue them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["list", "requeue"])
        parser.add_argument("ids", nargs="*", type=int, help="row ids to requeue")
        parser.add_argument("--all", action="store_true", help="requeue every dead letter")
        parser.add_argument("--limit", type=int, default=100, help="rows listed at most")

    def handle(self, *args: Any, **options: Any) -> None:
        store = DjangoOutboxStore(outbox_settings().database)
        if options["action"] == "list":
            for row in store.dead_letters(options["limit"]):
                written = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(row.created_at))
                fields = [str(row.id), row.topic, f"job {row.job_id}", written, f"{row.attempts} attempt(s)"]
                self.stdout.write("\t".join([*fields, row.last_error or ""]))
            return
        if not options["ids"] and not options["all"]:
            raise CommandError("name the row ids to requeue, or pass --all")
        count = store.requeue(None if options["all"] else options["ids"])
        self.stdout.write(f"requeued {count} row(s)")
