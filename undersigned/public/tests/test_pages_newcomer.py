"""What a newcomer hit on the public pages (issue 13): each fixed, each kept so here."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from undersigned.statements.models import Signature, StatementVersion, Visibility
from undersigned.test import make_statement, signed_up

pytestmark = pytest.mark.django_db
ORIGIN = {"HTTP_ORIGIN": "http://testserver"}


def signed(visibility: int = Visibility.NAME_ONLY) -> tuple[Signature, str, str]:
    signature, links = signed_up(make_statement(), confirm=False, visibility=visibility)
    return signature, links["confirm_token"], links["manage_token"]


def test_endorsement_errors_are_summarised_at_the_top() -> None:
    make_statement()
    response = Client().post("/en/stop-the-war/endorse/", {"org-name": ""}, **ORIGIN)
    assert response.status_code == 400
    page = response.content.decode()
    summary = page.index("Your endorsement was not sent yet. Please correct:")
    assert summary < page.index('<article class="statement"')
    assert 'href="#id_org-name"' in page[summary : page.index("<article")]
    assert page.count('role="alert"') == 1
    assert "<title>Error:" in page


@pytest.mark.parametrize("language", ["en", "uk", "ru"])
def test_the_text_changed_note_ends_in_one_full_stop(language: str) -> None:
    statement = make_statement()
    first = statement.versions.get(language=language)
    StatementVersion.objects.filter(pk=first.pk).update(is_current=False)
    StatementVersion.objects.create(
        statement=statement,
        language=language,
        number=2,
        title=first.title,
        demands=first.demands,
        body_markdown="Changed.",
        body_html="<p>Changed.</p>",
        content_hash="changed",
    )
    page = Client().get(f"/{language}/stop-the-war/").content.decode()
    note = re.search(r'<p class="version-note">(.*?)</p>', page)
    assert note is not None
    assert note.group(1).endswith(".") and not note.group(1).endswith("..")


def test_a_page_past_the_end_of_the_signers_says_so() -> None:
    signature, confirm, _manage = signed(Visibility.PUBLIC)
    signature.confirm()
    first = Client().get("/en/stop-the-war/").content.decode()
    assert "Anna Kovalenko" in first
    page = Client().get("/uk/stop-the-war/?page=2").content.decode()
    assert "Публічних підписів поки немає." not in page
    assert "Сторінки 2 немає: у списку 1 сторінка." in page and 'href="?page=1"' in page


def test_the_manage_page_shows_the_current_visibility() -> None:
    signature, _confirm, manage = signed(Visibility.NAME_ONLY)
    signature.confirm()
    page = Client().get(f"/uk/manage/{manage}/").content.decode()
    assert "Зараз ваш підпис показано так: <strong>Лише моє ім’я</strong>" in page


def test_an_english_only_statement_says_the_text_stays_english() -> None:
    make_statement(languages=("en",))
    uk = Client().get("/uk/stop-the-war/").content.decode()
    assert '<html lang="uk"' in uk
    assert "Цю заяву не перекладено цією мовою: нижче її текст мовою оригіналу (English)." in uk
    switcher = uk[uk.index('class="languages"') : uk.index("</nav>")]
    assert 'lang="ru">Русский <span class="untranslated">(заявление не переведено)</span>' in (
        switcher
    )
    assert 'lang="en"' in switcher and "English <span" not in switcher
    en = Client().get("/en/stop-the-war/").content.decode()
    assert "untranslated-note" not in en


def test_a_translated_statement_offers_its_languages_plainly() -> None:
    make_statement()
    page = Client().get("/en/stop-the-war/").content.decode()
    assert "untranslated" not in page


def test_an_old_confirm_link_after_withdrawal_says_why_it_stopped() -> None:
    signature, confirm, manage = signed()
    signature.confirm()
    withdrawn = Client().post(f"/en/manage/{manage}/", {"action": "withdraw"}, **ORIGIN)
    assert withdrawn.status_code == 200
    response = Client().get(f"/en/confirm/{confirm}/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "<h1>This link does not work</h1>" in page and "withdrawn or erased" in page
    assert "copied the whole link" not in page
    # A link cut short still gets the advice that fits it.
    cut = Client().get(f"/en/confirm/{confirm[:20]}/").content.decode()
    assert "copied the whole link" in cut
