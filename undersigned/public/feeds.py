"""The Atom feed of newly approved organisations (Django's syndication framework)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from undersigned.public.pages import approved_organisations, public_statement
from undersigned.statements.models import Endorsement, Statement

FEED_ITEMS = 50


class OrganisationsFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, slug: str) -> Statement:  # type: ignore[override]
        return public_statement(slug)

    def _list_url(self, statement: Statement) -> str:
        return f"/{get_language()}/{statement.slug}/organisations/"

    def title(self, statement: Statement) -> str:
        return _("Organisations endorsing “%(title)s”") % {
            "title": statement.text(get_language()).title
        }

    def link(self, statement: Statement) -> str:
        return self._list_url(statement)

    def subtitle(self, statement: Statement) -> str:
        return _("Organisations whose endorsement a moderator has approved.")

    def feed_guid(self, statement: Statement) -> str:
        return f"{settings.SITE_URL}/{statement.slug}/organisations/"

    def items(self, statement: Statement) -> list[Endorsement]:
        found = list(approved_organisations(statement).order_by("-decided_at", "-pk")[:FEED_ITEMS])
        found.sort(key=lambda e: (e.shown_at, e.pk), reverse=True)
        return found

    def item_title(self, item: Endorsement) -> str:
        return f"{item.public_name} ({item.country.name})"

    def item_description(self, item: Endorsement) -> str:
        parts = [str(item.get_kind_display())]
        if item.public_website:
            parts.append(item.public_website)
        if item.founding:
            parts.insert(0, _("Initial signatory"))
        if item.public_note:
            parts.append(item.public_note)
        return " · ".join(parts)

    def item_link(self, item: Endorsement) -> str:
        return f"{self._list_url(item.statement)}#org-{item.pk}"

    def item_guid(self, item: Endorsement) -> str:
        # Stable across languages and URL changes: a tag URI would need a date; this is unique.
        return f"{settings.SITE_URL}/endorsements/{item.pk}"

    item_guid_is_permalink = False

    def item_updateddate(self, item: Endorsement) -> dt.datetime | None:
        return item.shown_at

    def item_pubdate(self, item: Endorsement) -> dt.datetime | None:
        return item.shown_at
