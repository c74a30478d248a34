"""The language switcher: the statement's languages plus the interface's, in their own names."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils import translation
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

register = template.Library()


def switcher_codes(statement_languages: list[str]) -> list[str]:
    """The statement's languages first, then the interface's; only those a URL prefix serves."""
    interface = [code for code, _name in settings.LANGUAGES]
    return [code for code in dict.fromkeys([*statement_languages, *interface]) if code in interface]


def in_language(path: str, code: str) -> str:
    """PATH in another language. Our paths are the same in every language behind the prefix,
    so swapping the prefix is exact and far cheaper than resolving and reversing the URL."""
    current, slash, rest = path[1:].partition("/")
    if slash and current in {c for c, _name in settings.LANGUAGES}:
        return f"/{code}/{rest}"
    return translate_url(path, code)


@register.simple_tag(takes_context=True)
def language_links(context: Any) -> list[dict[str, str]]:
    request = context["request"]
    statement = context.get("statement")
    match = request.resolver_match
    on_statement = statement is not None and match and match.url_name in ("statement", "sign")
    links = []
    for code in switcher_codes(list(statement.languages) if statement is not None else []):
        # The sign URL only takes POSTs: a switch from a page with form errors goes to the
        # statement itself.
        url = f"/{code}/{statement.slug}/" if on_statement else in_language(request.path, code)
        link = {"code": code, "name": get_language_info(code)["name_local"], "url": url}
        if statement is not None and code not in statement.languages:
            link["note"] = untranslated_note(code)
        links.append(link)
    return links


def untranslated_note(code: str) -> str:
    """Said in language CODE, beside its name: the menus change, the statement's text not."""
    with translation.override(code):
        return _("(the statement is not translated)")


@register.filter
def served(codes: list[str]) -> list[str]:
    """The codes among CODES that have a URL prefix here (a statement may have others)."""
    interface = {code for code, _name in settings.LANGUAGES}
    return [code for code in codes if code in interface]


@register.filter
def text_in(statement: Any, language: str) -> Any:
    """The statement's current text in LANGUAGE (else its primary language)."""
    return statement.text(language)
