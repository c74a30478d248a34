from __future__ import annotations

import feedparser
import pytest
from django.test import Client

from undersigned.test import make_endorsement, make_statement

pytestmark = pytest.mark.django_db

LIST = "/en/stop-the-war/organisations/"
FEED = "/en/stop-the-war/organisations/feed/"


def test_only_approved_organisations_are_listed_grouped_by_country() -> None:
    statement = make_statement()
    make_endorsement(statement, name="Kyiv Union", state="approved")
    make_endorsement(
        statement, name="Warsaw Collective", country="PL", website="https://w.pl/", state="approved"
    )
    make_endorsement(statement, name="Waiting Group", website="https://wait.org/")
    make_endorsement(
        statement, name="Unconfirmed Group", website="https://u.org/", state="pending_confirmation"
    )
    response = Client().get(LIST)
    html = response.content.decode()
    assert response.status_code == 200 and not response.cookies
    assert "Kyiv Union" in html and "Warsaw Collective" in html
    assert "Waiting Group" not in html and "Unconfirmed Group" not in html
    assert (
        html.index("Poland")
        < html.index("Warsaw Collective")
        < html.index("Ukraine")
        < html.index("Kyiv Union")
    )
    assert "<strong>2</strong> organisations endorse" in html


def test_the_statement_page_shows_them_with_the_count() -> None:
    statement = make_statement()
    make_endorsement(statement, name="Kyiv Union", state="approved")
    html = Client().get("/en/stop-the-war/").content.decode()
    assert "Kyiv Union" in html
    assert 'Organisations <span class="n">(1)</span>' in html


def test_search_is_server_side() -> None:
    statement = make_statement()
    make_endorsement(statement, name="Kyiv Union", state="approved")
    make_endorsement(
        statement, name="Lviv Media", website="https://l.ua/", kind="media", state="approved"
    )
    html = Client().get(LIST, {"q": "lviv"}).content.decode()
    assert "Lviv Media" in html and "Kyiv Union" not in html
    assert "1 organisation matches" in html
    make_endorsement(statement, name="Профспілка «Київ»", website="https://k.ua/", state="approved")
    html = Client().get(LIST, {"q": "ПРОФСПІЛКА київ"}).content.decode()
    assert "Профспілка «Київ»" in html and "Lviv Media" not in html
    html = Client().get(LIST, {"q": "nothing like this"}).content.decode()
    assert "0 organisations match" in html


def test_a_draft_has_no_public_list_or_feed() -> None:
    make_statement(state="draft")
    assert Client().get(LIST).status_code == 404
    assert Client().get(FEED).status_code == 404


def test_the_atom_feed_parses_and_its_entries_are_complete() -> None:
    statement = make_statement()
    first = make_endorsement(statement, name="Kyiv Union", state="approved")
    make_endorsement(statement, name="Lviv Media", website="https://l.ua/", state="approved")
    make_endorsement(statement, name="Waiting Group", website="https://wait.org/")
    response = Client().get(FEED)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert [e.title for e in feed.entries] == ["Lviv Media (Ukraine)", "Kyiv Union (Ukraine)"]
    for entry in feed.entries:
        assert entry.id and entry.title and entry.link and entry.updated_parsed
    assert feed.entries[1].link.endswith(f"/en/stop-the-war/organisations/#org-{first.pk}")
    assert len({e.id for e in feed.entries}) == 2
