from __future__ import annotations

import signal
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from undersigned.delivery.emails import deliver_all
from undersigned.delivery.heartbeat import beat
from undersigned.statements import caches
from undersigned.statements.models import Endorsement
from undersigned.statements.retention import purge
from undersigned.statements.tlog import tick as log_tick
from undersigned.statements.trending import report_trending

# The trending-sources report is cheap and idempotent; the worker refreshes it this often.
TRENDING_EVERY_SECONDS = 600


def digest_due(now: float, every_hours: int) -> bool:
    """True for exactly one worker per period, however many workers run (a shared claim)."""
    if every_hours <= 0:
        return False
    period = int(now // (every_hours * 3600))
    return caches.claim_period(f"digest-sent:{every_hours}", period, every_hours * 3600 + 60)


class Command(BaseCommand):
    help = "Send queued emails (with retries and back-off) until stopped."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Send what is due, then exit.")
        parser.add_argument("--idle", type=float, default=0.5, help="Seconds between polls.")
        parser.add_argument(
            "--purge-every",
            type=float,
            default=settings.PURGE_EVERY_MINUTES,
            help="Minutes between retention purges (0: never).",
        )

    def handle(
        self, *args: Any, once: bool, idle: float, purge_every: float, **options: Any
    ) -> None:
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write("worker: delivering queued email")
        next_purge = time.monotonic()
        next_report = next_log = 0.0
        while not stopping:
            beat()  # the staff dashboard shows it, and warns when it stops
            # Every worker purges on its schedule; the purge is idempotent, so two workers
            # doing it at once only repeat work.
            if purge_every > 0 and time.monotonic() >= next_purge:
                self.stdout.write(f"worker: purge: {purge()}")
                expired = Endorsement.purge_unconfirmed()
                self.stdout.write(f"worker: expired endorsements deleted: {expired}")
                next_purge = time.monotonic() + purge_every * 60
            if time.monotonic() >= next_report:
                try:
                    report_trending()
                except Exception as exc:  # a failed report must not stop email delivery
                    self.stderr.write(f"worker: trending report failed: {type(exc).__name__}")
                next_report = time.monotonic() + TRENDING_EVERY_SECONDS
            if time.monotonic() >= next_log:
                self._log_tick()
                next_log = time.monotonic() + settings.LOG_CHECKPOINT_SECONDS
            if digest_due(time.time(), settings.DIGEST_EVERY_HOURS):
                call_command("digest", stdout=self.stdout)
            sent = deliver_all()
            if sent:
                self.stdout.write(f"worker: sent {sent}")
            if once:
                break
            if not sent:
                time.sleep(idle)
        self.stdout.write("worker: stopped")

    def _log_tick(self) -> None:
        """Append the count log's leaves and sign a checkpoint (statements/tlog.py)."""
        try:
            appended, signed = log_tick()
        except Exception as exc:  # the log catches up next time; email must keep flowing
            self.stderr.write(f"worker: count log failed: {type(exc).__name__}")
            return
        if appended or signed:
            self.stdout.write(f"worker: count log: {appended} leaves, {signed} checkpoints")
