"""strengthwise deliver-webhooks [--loop SECONDS]: send the webhook deliveries that are due
(signed, at least once, retried with backoff). Run it from cron, or with --loop as a worker."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from strengthwise.interop.webhooks import deliver_due


class Command(BaseCommand):
    help = "Send the webhook deliveries that are due."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--loop", type=int, default=0, metavar="SECONDS")

    def handle(self, *args: Any, loop: int, **options: Any) -> None:
        while True:
            sent = deliver_due()
            self.stdout.write(
                f"delivered {sent.delivered}, to retry {sent.failed}, given up {sent.gave_up}"
            )
            if not loop:
                return
            time.sleep(loop)
