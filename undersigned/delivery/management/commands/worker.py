from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand

from undersigned.delivery.emails import deliver_all


class Command(BaseCommand):
    help = "Send queued emails (with retries and back-off) until stopped."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Send what is due, then exit.")
        parser.add_argument("--idle", type=float, default=0.5, help="Seconds between polls.")

    def handle(self, *args: Any, once: bool, idle: float, **options: Any) -> None:
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write("worker: delivering queued email")
        while not stopping:
            sent = deliver_all()
            if sent:
                self.stdout.write(f"worker: sent {sent}")
            if once:
                break
            if not sent:
                time.sleep(idle)
        self.stdout.write("worker: stopped")
