"""Who may open each staff page: organiser, moderator, stranger (no role), anonymous."""

from __future__ import annotations

import pytest

from undersigned.test import make_endorsement, make_statement, personas, staff_client

pytestmark = pytest.mark.django_db

# (url, who gets 200) for every staff view; {pk} is an endorsement waiting for a decision.
VIEWS = [
    ("/control/", {"organiser", "moderator"}),
    ("/control/endorsements/", {"organiser", "moderator"}),
    ("/control/endorsements/{pk}/", {"organiser", "moderator"}),
    ("/control/password/", {"organiser", "moderator"}),
    ("/control/statements/draft-one/invites/", {"organiser"}),
    ("/control/audit/", {"organiser"}),
]


@pytest.mark.parametrize(("url", "allowed"), VIEWS)
@pytest.mark.parametrize("persona", ["organiser", "moderator", "stranger", "anonymous"])
def test_permission_matrix(url: str, allowed: set[str], persona: str) -> None:
    make_statement("draft-one", state="draft")
    endorsement = make_endorsement(make_statement())
    user = personas()[persona]
    response = staff_client(user).get(url.format(pk=endorsement.pk))
    if persona in allowed:
        assert response.status_code == 200
    elif persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/control/login/?next=")
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("persona", ["stranger", "anonymous"])
def test_nobody_without_a_role_can_decide(persona: str) -> None:
    endorsement = make_endorsement(make_statement())
    client = staff_client(personas()[persona])
    response = client.post(f"/control/endorsements/{endorsement.pk}/", {"action": "approve"})
    assert response.status_code in (302, 403)
    endorsement.refresh_from_db()
    assert endorsement.state == "confirmed"


def test_a_moderator_cannot_create_invites() -> None:
    make_statement("draft-one", state="draft")
    client = staff_client(personas()["moderator"])
    response = client.post("/control/statements/draft-one/invites/", {"label": "X"})
    assert response.status_code == 403


@pytest.mark.parametrize("persona", ["organiser", "moderator"])
def test_staff_without_a_second_factor_are_sent_to_set_it_up(persona: str) -> None:
    from django.test import Client

    client = Client()
    client.force_login(personas()[persona])
    response = client.get("/control/endorsements/")
    assert response.status_code == 302 and response["Location"] == "/control/two-factor/"


def test_the_two_factor_setup_is_for_staff_only() -> None:
    from django.test import Client

    stranger = Client()
    stranger.force_login(personas()["stranger"])
    assert stranger.get("/control/two-factor/").status_code == 403
    assert Client().get("/control/two-factor/").status_code == 302
