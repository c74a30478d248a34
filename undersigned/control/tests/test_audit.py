from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from undersigned.control import admin as control_admin
from undersigned.statements.models import AuditEntry, record
from undersigned.statements.roles import MODERATORS, ORGANISERS
from undersigned.test import make_endorsement, make_statement, make_user, staff_client

pytestmark = pytest.mark.django_db


def test_record_keeps_who_what_and_why() -> None:
    moderator = make_user("max", MODERATORS)
    endorsement = make_endorsement(make_statement())
    entry = record(moderator, "edit", endorsement, reason="typo in the name")
    assert entry.actor_label == "max@example.org"
    assert (entry.object_type, entry.object_id) == ("statements.endorsement", str(endorsement.pk))
    assert entry.object_label == "Free Union of Kyiv (UA)"
    assert entry.reason == "typo in the name" and entry.at


def test_it_refuses_unknown_actions() -> None:
    with pytest.raises(ValueError):
        record(None, "delete_everything")


def test_entries_are_never_changed_or_deleted() -> None:
    entry = record(None, "export")
    entry.reason = "rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    assert AuditEntry.objects.get().reason == ""


def test_nobody_has_change_or_delete_permissions() -> None:
    codenames = set(
        Permission.objects.filter(content_type__model="auditentry").values_list(
            "codename", flat=True
        )
    )
    assert codenames == {"view_auditentry"}


def test_entries_outlive_the_object_and_the_account() -> None:
    moderator = make_user("max", MODERATORS)
    statement = make_statement()
    endorsement = make_endorsement(statement)
    endorsement.approve(by=moderator, reason="ok")
    statement.delete()
    moderator.delete()
    entry = AuditEntry.objects.get(action="approve")
    assert entry.actor is None and entry.actor_label == "max@example.org"
    assert entry.object_label == "Free Union of Kyiv (UA)"


def test_organisers_see_the_log() -> None:
    organiser = make_user("olga", ORGANISERS)
    record(organiser, "export", reason="delivery package")
    html = staff_client(organiser).get("/control/audit/").content.decode()
    assert "delivery package" in html and "olga@example.org" in html


def test_the_admin_shows_it_read_only() -> None:
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser(
        "root@example.org", "root@example.org", "x" * 20
    )
    entry = record(root, "export")
    client = staff_client(root)
    assert client.get("/admin/statements/auditentry/").status_code == 200
    assert client.get("/admin/statements/auditentry/add/").status_code == 403
    assert (
        client.post(f"/admin/statements/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_admin_list_neither_counts_nor_offsets_the_whole_log(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The log grows with every release and failed login: the admin counts two pages of it
    at most here, asks for no DISTINCT values, and serves no page past what it counted
    (no deep OFFSET); /control/audit/ pages all of it by key."""
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser(
        "root@example.org", "root@example.org", "x" * 20
    )
    AuditEntry.objects.bulk_create(AuditEntry(action="export") for _i in range(5))
    monkeypatch.setattr(control_admin, "ADMIN_PAGES", 2)
    monkeypatch.setattr(control_admin.AuditEntryAdmin, "list_per_page", 2)
    client = staff_client(root)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/statements/auditentry/?action=export")
    assert response.status_code == 200 and response.context["cl"].result_count == 4
    on_log = [q["sql"] for q in queries.captured_queries if "control_auditentry" in q["sql"]]
    assert on_log and not [sql for sql in on_log if "DISTINCT" in sql]
    assert [sql for sql in on_log if "COUNT(" in sql] == [
        sql for sql in on_log if "COUNT(" in sql and "LIMIT 5" in sql
    ]
    assert client.get("/admin/statements/auditentry/?p=2").status_code == 200
    # Django's answer to a page past the last: back to the list, with an error flag.
    assert client.get("/admin/statements/auditentry/?p=3")["Location"].endswith("?e=1")


def test_admin_changes_and_actions_are_recorded() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    root = get_user_model().objects.create_superuser(
        "root@example.org", "root@example.org", "x" * 20
    )
    group = Group.objects.create(name="helpers")
    response = staff_client(root).post(
        f"/admin/auth/group/{group.pk}/change/", {"name": "volunteers"}
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="edit")
    assert (entry.actor, entry.object_id) == (root, str(group.pk))


def test_admin_deletions_are_recorded_and_outlive_the_row() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    root = get_user_model().objects.create_superuser(
        "root@example.org", "root@example.org", "x" * 20
    )
    group = Group.objects.create(name="gone")
    response = staff_client(root).post(
        "/admin/auth/group/",
        {"action": "delete_selected", "_selected_action": [group.pk], "post": "yes"},
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="erase")
    assert (entry.object_type, entry.object_label) == ("auth.group", "gone")


def test_statements_and_signatures_are_not_in_the_django_admin() -> None:
    """Every staff act is a /control/ page; the admin keeps accounts and the audit log."""
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser(
        "root@example.org", "root@example.org", "x" * 20
    )
    client = staff_client(root)
    for model in ("statement", "signature", "blockedsource", "invalidationbatch"):
        assert client.get(f"/admin/statements/{model}/").status_code == 404
