from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from undersigned.statements.roles import MODERATORS, ORGANISERS, ensure_groups


class Command(BaseCommand):
    help = "Create a staff account (organiser by default) and print its one-time password."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("email")
        parser.add_argument("--moderator", action="store_true", help="Moderator, not organiser.")

    def handle(self, *args: Any, email: str, moderator: bool, **opts: Any) -> None:
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"'{email}' is not a valid email address.") from None
        User = get_user_model()
        if User.objects.filter(username=email).exists():
            raise CommandError(f"An account '{email}' exists already.")
        password = secrets.token_urlsafe(15)
        user = User.objects.create_user(
            username=email, email=email, password=password, is_staff=True
        )
        role = MODERATORS if moderator else ORGANISERS
        user.groups.add(ensure_groups()[role])
        self.stdout.write(f"Created {role[:-1]} {email}")
        self.stdout.write(f"One-time password (shown once, change it after logging in): {password}")
