"""Link previews (Open Graph, Twitter card, description) and the share links."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.utils.text import Truncator

from undersigned.public import sharing

register = template.Library()

LOCALES = {"en": "en_GB", "uk": "uk_UA", "ru": "ru_RU"}


@register.simple_tag(takes_context=True)
def share_meta(context: Any, statement: Any, text: Any) -> dict[str, str]:
    language = context.get("LANGUAGE_CODE") or statement.primary_language
    request = context.get("request")
    path = request.path if request is not None else f"/{language}/{statement.slug}/"
    summary = "; ".join(text.demands) if text.demands else text.body_markdown
    return {
        "title": text.title,
        "description": Truncator(" ".join(summary.split())).chars(200),
        "image": f"{settings.SITE_URL}/{language}/{statement.slug}/share.png",
        "url": f"{settings.SITE_URL}{path}",
        "locale": LOCALES.get(language, language),
        "site": settings.SITE_NAME,
    }


@register.simple_tag(takes_context=True)
def share_links(context: Any, statement: Any) -> dict[str, Any]:
    language = context.get("LANGUAGE_CODE") or statement.primary_language
    url = sharing.statement_url(statement, language)
    title = statement.text(language).title
    return {
        "url": url,
        "title": title,
        "email": sharing.email_link(url, title),
        "services": sharing.links(url, title),
        "mastodon": f"/{language}/{statement.slug}/share/mastodon/",
    }
