from __future__ import annotations

import pytest
from django.test import Client

from undersigned.statements.models import Signature
from undersigned.test import make_statement, personas, staff_client

pytestmark = pytest.mark.django_db


def client_for(user: object) -> Client:
    # Staff reach the admin only with a session verified by their second factor.
    client: Client = staff_client(user)  # type: ignore[arg-type]
    return client


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("organiser", 200), ("moderator", 200), ("stranger", 302), ("anonymous", 302)],
)
def test_who_may_see_the_signature_list(persona: str, expected: int) -> None:
    user = personas()[persona]
    statement = make_statement()
    Signature.sign(
        statement, language="en", name="Hidden Name", email="h@example.org", country="RU"
    )
    response = client_for(user).get("/admin/statements/signature/")
    assert response.status_code == expected
    if expected == 200:
        body = response.content.decode()
        assert "h@example.org" not in body and "Hidden Name" not in body


def test_the_signature_page_shows_no_decrypted_data() -> None:
    user = personas()["organiser"]
    signature, _ = Signature.sign(
        make_statement(), language="en", name="Hidden Name", email="h@example.org", country="RU"
    )
    assert signature is not None
    body = client_for(user).get(f"/admin/statements/signature/{signature.pk}/change/").content
    assert b"readable only with the organisers" in body
    assert b"h@example.org" not in body and b"Hidden Name" not in body


@pytest.mark.parametrize(("persona", "expected"), [("organiser", 302), ("moderator", 403)])
def test_only_organisers_edit_statements(persona: str, expected: int) -> None:
    statement = make_statement()
    response = client_for(personas()[persona]).post(
        f"/admin/statements/statement/{statement.pk}/change/",
        {
            "slug": "renamed",
            "primary_language": "en",
            "goal": "5",
            "retention_days": "30",
            "versions-TOTAL_FORMS": "3",
            "versions-INITIAL_FORMS": "3",
            **{f"versions-{i}-id": str(v.pk) for i, v in enumerate(statement.versions.all())},
            **{f"versions-{i}-statement": str(statement.pk) for i in range(3)},
        },
    )
    assert response.status_code == expected
    statement.refresh_from_db()
    assert (statement.slug == "renamed") == (persona == "organiser")
