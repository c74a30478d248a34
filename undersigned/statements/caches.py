"""Every cache of the site, its keys, its reads and its invalidation, in one place.

What is cached, from the outside in:

- the response cache: each server process answers repeats of the statement page, the
  count, the open data count and the embed from its own memory for MICRO_CACHE_SECONDS
  (`lib/microcache.py`, set up by `undersigned/wsgi.py` through `response_cache()`);
- page bodies: the rendered statement page per language and page number (and source tag
  the site issued, `source_tag()`), in the shared cache for PAGE_CACHE_SECONDS (`page()`);
- the published statement with its texts, in the shared cache for PAGE_CACHE_SECONDS and in
  this process's memory for MICRO_CACHE_SECONDS (`statement()`, `statement_by_pk()`,
  `statement_memo`); a change forgets it at once here, after commit everywhere
  (`forget_statement()`);
- the counts, summed from the counter shards, in the shared cache for a second
  (`counts()`): a confirmation does not clear them, or in a surge every count request
  would sum the shards again;
- the organisers' block list, in the shared cache for a minute and in this process's memory
  for BLOCKLIST_MEMO_SECONDS (`blocklist()`, `forget_blocklist()`);
- the domain label a busy domain digest stands for, for the trending report
  (`remember_domain_label()`, `domain_label()`);
- the public aggregates of a statement (by country, hour, version; issue 15), recomputed
  at most every AGGREGATE_SECONDS by one request (`aggregate_key()`), and the public
  outputs rendered from them: API answers, embed, badge, map, chart, share image
  (`public_output_key()`);
- the count log: its signed checkpoint and published count for a few seconds, its tiles and
  the hashes of complete subtrees for ever, since they never change (`log_checkpoint()`,
  `log_count()`, `log_tile()`, `log_node()`, `forget_log()`);
- a closed statement's public package, per language (`public_package()`);
- the worker's heartbeat and the once-per-period claim of the moderators' digest
  (`beat()`, `last_beat()`, `claim_period()`).

The rate-limit counters are the limiter's (`statements/limits.py`). Nothing here imports
a model: the callers pass what loads a value on a miss, so the models can use this module.
Everything cached can be rebuilt from the database; a cache that is down reads as empty.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qs

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from undersigned.lib import sourcetags
from undersigned.lib.memo import ProcessMemo
from undersigned.lib.microcache import MicroCache, WSGIApp

T = TypeVar("T")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Blocklist = tuple[set[str], set[str], list[Network]]

MAX_PAGE = 10_000
COUNTS_SECONDS = 1
BLOCKLIST_KEY = "blocklist:v1"
BLOCKLIST_SECONDS = 60
BLOCKLIST_MEMO_SECONDS = 5
DOMAIN_LABEL_SECONDS = 2 * 86400

# The published statement with its texts, as every public request needs it (lib/memo.py).
statement_memo = ProcessMemo(settings.MICRO_CACHE_SECONDS)
_blocklist_memo = ProcessMemo(BLOCKLIST_MEMO_SECONDS)
_response_caches: list[MicroCache] = []


# -- The statement ------------------------------------------------------------------------


def statement_key(slug: str) -> str:
    return f"statement:{slug}"


def statement_pk_key(pk: int) -> str:
    return f"statement-pk:{pk}"


def statement(slug: str, load: Callable[[], T]) -> T:
    """The statement SLUG with its texts: from this process's memory, else the shared
    cache, else LOAD(). Reading both from the database took over a third of every sign
    request; a change shows within PAGE_CACHE_SECONDS plus MICRO_CACHE_SECONDS, as on the
    page itself."""
    key = statement_key(slug)
    found: T | None = statement_memo.get(key)
    if found is None:
        found = cache.get(key)
        if found is None:
            found = load()
            cache.set(key, found, settings.PAGE_CACHE_SECONDS)
        statement_memo.set(key, found)
    return found


def statement_by_pk(pk: int, load: Callable[[], T]) -> T:
    """A signature's statement with its texts, from this process's memory for a second."""
    key = statement_pk_key(pk)
    found: T | None = statement_memo.get(key)
    if found is None:
        found = load()
        statement_memo.set(key, found)
    return found


def forget_statement(slug: str, pk: int) -> None:
    """Forget a changed statement now, and again once the change is committed (a request
    in between may have cached the old row)."""
    key = statement_key(slug)

    def forget() -> None:
        cache.delete(key)
        statement_memo.forget(key)
        statement_memo.forget(statement_pk_key(pk))

    forget()
    transaction.on_commit(forget)


# -- Counts and pages ---------------------------------------------------------------------


def counts_key(statement_id: int) -> str:
    return f"counts:{statement_id}"


def counts(statement_id: int, compute: Callable[[], dict[str, int]]) -> dict[str, int]:
    """The counts, summed by COMPUTE at most once a second: never a count of rows."""
    key = counts_key(statement_id)
    found: dict[str, int] | None = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, COUNTS_SECONDS)
    return found


def page_number(raw: str) -> int:
    """The page a ?page= value asks for. Bounded: a huge number would overflow the database
    offset, and each distinct number would otherwise get its own render and cache entry."""
    try:
        return min(max(1, int(raw)), MAX_PAGE)
    except ValueError:
        return 1


def page_key(slug: str, language: str, number: int, source: str = "") -> str:
    return f"page:{slug}:{language}:{number}" + (f":{source}" if source else "")


def page(
    slug: str, language: str, number: int, render: Callable[[], bytes], source: str = ""
) -> bytes:
    """A statement page's body, rendered by RENDER at most once per PAGE_CACHE_SECONDS; a
    SOURCE tag's page (its form carries the tag) is a copy of its own."""
    key = page_key(slug, language, number, source)
    body: bytes | None = cache.get(key)
    if body is None:
        body = render()
        cache.set(key, body, settings.PAGE_CACHE_SECONDS)
    return body


# -- The response cache in front of Django ------------------------------------------------

# The URLs a surge hammers: the statement page per language, the count, the open data count,
# the embed and its badge (every visit to a page that embeds them asks for them), and the
# count log that verifiers and witnesses fetch (issue 17: a checkpoint and its tiles).
_language_codes = frozenset(code for code, _name in settings.LANGUAGES)
_languages = "|".join(code for code, _name in settings.LANGUAGES)
_slug = "[-a-zA-Z0-9_]+"
PUBLIC_PATHS = (
    rf"/(?:{_languages})/{_slug}/|/count/{_slug}\.json"
    rf"|/api/v1/statements/{_slug}/counts/|/embed/{_slug}/(?:badge\.svg)?"
    rf"|/log/{_slug}/(?:checkpoint|count\.json|tile/[-a-z0-9./]+)"
)


def source_tag(value: str) -> str:
    """The tag a ?src= value carries if the site issued it (lib/sourcetags.py), else ''."""
    return sourcetags.read(settings.SECRET_KEY, value) if value else ""


def response_query(path: str, query: str) -> str:
    """The part of a public URL's query string that changes its response, as the view reads
    it: the statement page's page number and a source tag the site issued, the embed's
    language if the site has it. Anything else (?x=1, a made-up ?src= or ?lang=) answers
    the same, so it must hit the same copy rather than miss both caches. The counts read no
    parameter."""
    if not query or path.startswith(("/count/", "/api/", "/log/")):
        return ""
    values = parse_qs(query)  # Django reads the last of each, as here
    if path.startswith("/embed/"):
        # Only a language the site has: each made-up ?lang= would be a copy of its own, and
        # enough of them would push every other page out. The others answer as none does.
        lang = values["lang"][-1] if "lang" in values else ""
        return f"lang={lang}" if lang in _language_codes else ""
    number = page_number(values["page"][-1]) if "page" in values else 1
    tag = source_tag(values["src"][-1]) if "src" in values else ""
    parts = ([] if number == 1 else [f"page={number}"]) + ([f"src={tag}"] if tag else [])
    return "&".join(parts)


def response_cache(app: WSGIApp) -> MicroCache:
    """APP behind this process's response cache."""
    micro = MicroCache(
        app, PUBLIC_PATHS, ttl=settings.MICRO_CACHE_SECONDS, query_key=response_query
    )
    _response_caches.append(micro)
    return micro


# -- Screening ----------------------------------------------------------------------------

StoredBlocklist = tuple[set[str], set[str], list[str]]


def blocklist(load: Callable[[], StoredBlocklist]) -> Blocklist:
    """The organisers' block list (domains, address digests, networks): from this process's
    memory for a few seconds, then from the shared cache, then LOAD() from the database. A
    new block reaches every app server within BLOCKLIST_MEMO_SECONDS; until then a
    submission it would catch is merely counted."""
    found: Blocklist | None = _blocklist_memo.get(BLOCKLIST_KEY)
    if found is None:
        stored: StoredBlocklist | None = cache.get(BLOCKLIST_KEY)
        if stored is None:
            stored = load()
            cache.set(BLOCKLIST_KEY, stored, BLOCKLIST_SECONDS)
        domains, addresses, networks = stored
        found = (
            set(domains),
            set(addresses),
            [ipaddress.ip_network(n, strict=False) for n in networks],
        )
        _blocklist_memo.set(BLOCKLIST_KEY, found)
    return found


def forget_blocklist() -> None:
    _blocklist_memo.clear()
    cache.delete(BLOCKLIST_KEY)


def domain_label_key(digest: str) -> str:
    return f"domainlabel:{digest}"


def remember_domain_label(digest: str, domain: str) -> None:
    """Let the trending report name a busy domain for moderators for two days."""
    cache.set(domain_label_key(digest), domain, DOMAIN_LABEL_SECONDS)


def domain_label(digest: str) -> str:
    label: Any = cache.get(domain_label_key(digest), "")
    return str(label)


# Public aggregates (issue 15): one grouped query per statement and kind, recomputed at most
# every AGGREGATE_SECONDS by one request while the others serve the copy before it.
AGGREGATE_SECONDS = 60
AGGREGATE_KEEP_SECONDS = 24 * 3600


def aggregate_key(kind: str, statement_id: int) -> str:
    return f"aggregate:v1:{kind}:{statement_id}"


def aggregate_lock_key(kind: str, statement_id: int) -> str:
    return f"aggregate-lock:v1:{kind}:{statement_id}"


def public_output_key(kind: str, *parts: object) -> str:
    """A rendered public answer (API JSON, embed, badge, map, chart, share image)."""
    return ":".join(["out:v1", kind, *map(str, parts)])


def public_output(kind: str, *parts: object, seconds: int, render: Callable[[], T]) -> T:
    """The rendered public answer KIND for PARTS, rendered on a miss and kept SECONDS."""
    key = public_output_key(kind, *parts)
    found: T | None = cache.get(key)
    if found is None:
        found = render()
        cache.set(key, found, seconds)
    return found


def aggregate(kind: str, statement_id: int, compute: Callable[[int], T]) -> T:
    """A statement's public aggregate KIND: kept a day, recomputed when older than
    AGGREGATE_SECONDS (or twenty times what it took: a big statement's query takes seconds,
    and then never costs more than a twentieth of a core) by one request at a time, while
    the others go on serving the copy before it."""
    key = aggregate_key(kind, statement_id)
    found = cache.get(key)
    now = time.time()
    if found is not None:
        computed_at, took, value = found
        fresh = now - computed_at < max(AGGREGATE_SECONDS, 20 * took)
        if fresh or not cache.add(aggregate_lock_key(kind, statement_id), 1, AGGREGATE_SECONDS):
            return value  # type: ignore[no-any-return]
    value = compute(statement_id)
    cache.set(
        aggregate_key(kind, statement_id), (now, time.time() - now, value), AGGREGATE_KEEP_SECONDS
    )
    return value


# -- Tests and tools ------------------------------------------------------------------------


def clear_process_memory() -> None:
    """Forget what this process keeps in its own memory (the shared cache is cleared with
    cache.clear()): row ids repeat across rolled-back tests."""
    statement_memo.clear()
    _blocklist_memo.clear()
    for micro in _response_caches:
        micro.clear()


# -- The count log, packages and the worker --------------------------------------------------


def _remembered(key: str, seconds: int | None, load: Callable[[], T | None]) -> T | None:
    """KEY's value, or LOAD's, kept for SECONDS (None: for ever); a None is not kept."""
    found = cache.get(key)
    if found is None:
        found = load()
        if found is not None:
            cache.set(key, found, seconds)
    return found


def log_checkpoint(slug: str, seconds: int, load: Callable[[], str | None]) -> str | None:
    return _remembered(f"tlog:checkpoint:{slug}", seconds, load)


def log_count(slug: str, seconds: int, load: Callable[[], Any]) -> Any:
    return _remembered(f"tlog:count:{slug}", seconds, load)


def log_tile(slug: str, path: str, load: Callable[[], bytes]) -> bytes:
    """A tile never changes once served (a partial one has its own path)."""
    return _remembered(f"tlog:tile:{slug}:{path}", None, load) or b""


def log_node(statement_id: int, start: int, size: int, compute: Callable[[], bytes]) -> bytes:
    """The hash of a complete subtree of a statement's log, which never changes."""
    return bytes(_remembered(f"tlog:node:{statement_id}:{start}:{size}", None, compute) or b"")


def forget_log(slug: str) -> None:
    """A new cosignature: the checkpoint and the count it publishes change."""
    cache.delete_many([f"tlog:checkpoint:{slug}", f"tlog:count:{slug}"])


def public_package(slug: str, language: str, seconds: int, build: Callable[[], bytes]) -> bytes:
    return _remembered(f"public-package:{slug}:{language}", seconds, build) or b""


HEARTBEAT_KEY = "worker:heartbeat"


def beat(now: float) -> None:
    cache.set(HEARTBEAT_KEY, now, timeout=None)


def last_beat() -> float | None:
    value = cache.get(HEARTBEAT_KEY)
    return float(value) if value is not None else None


def claim_period(name: str, period: int, seconds: int) -> bool:
    """True for exactly one caller per NAME and PERIOD, however many processes ask."""
    return bool(cache.add(f"{name}:{period}", 1, seconds))
