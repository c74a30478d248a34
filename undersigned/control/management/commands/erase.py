"""Erase a signer's signature for a request that reached the organisers by other means."""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from undersigned.lib import sealing
from undersigned.statements import paper
from undersigned.statements.models import Signature, Statement

# The organisers' audit log will take this over; until then, a line that names nobody.
audit = logging.getLogger("undersigned.audit")


class Command(BaseCommand):
    help = (
        "Erase the signature of the signer with this email on a statement (an erasure "
        "request received by letter, phone or in person). Give '-' to read the address "
        "from standard input, which keeps it out of the shell history."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("slug")
        parser.add_argument("email", nargs="?", default="-")
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be erased, change nothing."
        )

    def handle(self, *args: Any, slug: str, email: str, dry_run: bool, **opts: Any) -> None:
        if email == "-":
            email = sys.stdin.readline()
        email = email.strip()
        if "@" not in email:
            raise CommandError("Give the signer's email address (or '-' to read it).")
        try:
            statement = Statement.objects.get(slug=slug)
        except Statement.DoesNotExist:
            raise CommandError(f"No statement '{slug}'.") from None
        digest = sealing.email_digest(settings.DEDUP_KEY, statement.pk, email)
        with transaction.atomic():
            # Withdrawn signatures keep their digest, and a signer may have withdrawn and
            # signed again: erase every one.
            found = list(
                Signature.objects.select_for_update()
                .select_related("statement")
                .filter(statement=statement, email_digest=digest)
                .exclude(status=Signature.Status.ERASED)
            )
            on_paper = paper.signed_on_paper(statement, digest)
            if not dry_run:
                for signature in found:
                    signature.erase()
                paper.erase(statement, digest)
        verb = "would erase" if dry_run else "erased"
        self.stdout.write(f"{slug}: {verb} {len(found)} signature(s) and {on_paper} on paper")
        if (found or on_paper) and not dry_run:
            audit.info(
                "erase: %d signature(s) on statement %s erased at an organiser's request",
                len(found) + on_paper,
                slug,
            )
