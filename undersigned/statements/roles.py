"""Staff roles: organisers run an instance, moderators handle endorsements and abuse."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission

ORGANISERS = "organisers"
MODERATORS = "moderators"

PERMISSIONS = {
    ORGANISERS: [
        "statements.view_statement",
        "statements.add_statement",
        "statements.change_statement",
        "statements.view_statementversion",
        "statements.view_signature",
        "statements.view_countshard",
        "statements.view_blockedsource",
        "statements.add_blockedsource",
        "statements.change_blockedsource",
        "statements.delete_blockedsource",
        "statements.view_trendingsource",
        "statements.view_invalidationbatch",
        "statements.add_invalidationbatch",
        "statements.change_invalidationbatch",
    ],
    MODERATORS: [
        "statements.view_statement",
        "statements.view_signature",
        "statements.view_trendingsource",
        "statements.view_invalidationbatch",
        "statements.add_invalidationbatch",
        "statements.change_invalidationbatch",
    ],
}


def ensure_groups() -> dict[str, Group]:
    groups = {}
    for name, perms in PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        wanted: list[Permission] = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            wanted.extend(
                Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)
        groups[name] = group
    return groups


def has_role(user: AbstractBaseUser | AnonymousUser, role: str) -> bool:
    if not user.is_authenticated or not getattr(user, "is_staff", False) or not user.is_active:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return bool(user.groups.filter(name=role).exists())  # type: ignore[union-attr,attr-defined]


def is_organiser(user: AbstractBaseUser | AnonymousUser) -> bool:
    return has_role(user, ORGANISERS)


def is_moderator(user: AbstractBaseUser | AnonymousUser) -> bool:
    return has_role(user, MODERATORS) or has_role(user, ORGANISERS)
