from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from undersigned.lib.statement_files import parse
from undersigned.public.management.commands.serve import use_port
from undersigned.statements.models import Statement
from undersigned.statements.roles import ORGANISERS, ensure_groups
from undersigned.statements.services import import_statement

DEMO_FILES = ["statement.md", "statement.uk.md", "statement.ru.md"]
DEMO_ORGANISER = "organiser@example.org"


class Command(BaseCommand):
    help = (
        "Prepare a demo instance in the data folder and serve it on http://127.0.0.1:8000 "
        "(or --port, or SERVE_PORT)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-serve", action="store_true", help="Prepare only.")
        parser.add_argument("--port", type=int, default=settings.SERVE_PORT)

    def handle(self, *args: Any, no_serve: bool, port: int, **opts: Any) -> None:
        use_port(port)
        data = settings.DATA_DIR
        self.stdout.write(f"Data folder: {data}")
        call_command("migrate", verbosity=0, interactive=False)
        keys = data / "keys"
        if not (keys / "organisers.pub").exists():
            call_command("keygen", out=keys, stdout=self.stdout)
        public_key = (keys / "organisers.pub").read_text().strip()
        demo = Path(__file__).resolve().parents[3] / "demo"
        languages = [code for code, _name in settings.LANGUAGES]
        source = parse([demo / f for f in DEMO_FILES], languages=languages)
        result = import_statement(source, public_key=public_key)
        statement = result.statement
        if statement.state == Statement.State.DRAFT:
            statement.publish()
        User = get_user_model()
        password = secrets.token_urlsafe(15)
        user, _created = User.objects.get_or_create(
            username=DEMO_ORGANISER, defaults={"email": DEMO_ORGANISER, "is_staff": True}
        )
        user.set_password(password)
        user.save()
        user.groups.add(ensure_groups()[ORGANISERS])
        url = f"http://127.0.0.1:{port}"
        self.stdout.write(
            self.style.SUCCESS(
                f"\nStatement: {url}/en/{statement.slug}/\n"
                f"Staff:     {url}/control/login/  user {DEMO_ORGANISER}  one-time password "
                f"{password}\n"
                "           (the first login sets up a second factor with a TOTP app)\n"
                f"Private key for exports: {keys / 'organisers.key'} (demo only: in real use it "
                "never stays on the server)\n"
                "Emails are printed here by the worker unless EMAIL_HOST is set.\n"
            )
        )
        if not no_serve:
            if not settings.EMAIL_HOST:
                # The demo's worker (a child process) prints emails; nothing else does.
                os.environ["EMAIL_TO_CONSOLE"] = "true"
            call_command("serve", port=port, with_worker=True, workers=2)
