from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from undersigned.lib.suppression import Figure
from undersigned.public.tests.signers import add_signatures
from undersigned.public.wording import figure, signatures
from undersigned.test import make_statement


def test_a_figure_in_words() -> None:
    with translation.override("en"):
        assert figure(Figure(1234, 10)) == "1,234"
        assert figure(Figure(None, 10)) == "fewer than 10"
    with translation.override("ru"):
        assert signatures(Figure(21, 10)) == "21 подпись"
        assert signatures(Figure(None, 10)) == "Меньше 10 подписей"


@pytest.mark.django_db
def test_the_home_page_shows_each_statement_with_its_count() -> None:
    one = make_statement("stop-the-war")
    make_statement("second")
    add_signatures(one, 42, country="UA")
    html = Client().get("/en/").content.decode()
    assert '<span class="count">42 signatures</span>' in html
    assert '<span class="count">Fewer than 10 signatures</span>' in html


@pytest.mark.django_db
def test_paper_and_total_only_when_neither_gives_a_small_count_away() -> None:
    from undersigned.public.templatetags.figures import published

    statement = make_statement("stop-the-war")
    add_signatures(statement, 3, country="UA")
    assert published(statement)["paper_and_total"] is False  # 3 online, whatever on paper
    statement = make_statement("second")
    add_signatures(statement, 30, country="UA")
    assert published(statement)["paper_and_total"] is False  # no paper: 0 is below 10
