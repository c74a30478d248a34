"""Redis unreachable: the site fails open, as with a broken disk cache (issue 14, item 3)."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator

import pytest
from django.test import Client, override_settings

from undersigned.backends.redis import RedisCache
from undersigned.lib.ratelimit import Limit
from undersigned.public.screening import started_token
from undersigned.statements import limits
from undersigned.statements.models import Signature
from undersigned.test import make_statement


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: bound, then closed."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def dead_redis(settings: object) -> Iterator[str]:
    url = f"redis://127.0.0.1:{closed_port()}/11"
    settings.CACHES = {  # type: ignore[attr-defined]
        "default": {
            "BACKEND": "undersigned.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0},
        }
    }
    yield url


def test_a_dead_redis_reads_as_an_empty_cache(dead_redis: str) -> None:
    cache = RedisCache(dead_redis, {})
    cache.set("a", 1)
    assert cache.get("a") is None and cache.get("a", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert not cache.delete("a") and not cache.has_key("a")
    assert not cache.add("a", 1)  # a claim (the worker's digest) nobody gets while it is down
    with pytest.raises(ValueError):
        cache.incr("a")


def test_a_dead_redis_counts_every_hit_as_the_first_and_says_so(
    dead_redis: str, caplog: pytest.LogCaptureFixture
) -> None:
    cache, limit = RedisCache(dead_redis, {}), Limit("t", 1, 60)
    with caplog.at_level(logging.WARNING, logger="undersigned.backends.redis"):
        assert limits.hit_many([(limit, "a"), (limit, "b")], cache=cache) == [1, 1]
        assert limits.hit_many([(limit, "a")], cache=cache) == [1]
        assert limits.peek([(limit, "a")], cache=cache) == [0]
        assert limits.once("token", 60, cache=cache) and limits.once("token", 60, cache=cache)
    warnings = [r for r in caplog.records if "Redis unreachable" in r.getMessage()]
    assert len(warnings) == 1  # once while it stays down, not once per call


def test_after_a_failure_it_waits_before_trying_again(dead_redis: str) -> None:
    cache = RedisCache(dead_redis, {})
    cache.get("a")
    calls: list[object] = []
    real = cache._cache.get

    def counting_get(*args: object) -> object:
        calls.append(args)
        return real(*args)

    cache._cache.get = counting_get
    cache.get("a")
    assert calls == []  # within RETRY_SECONDS: answered without a connection attempt


# Exact figures: /count/ follows P9, and this counts 0 and 1.
@override_settings(SUPPRESS_BELOW=0)
@pytest.mark.django_db
def test_the_statement_page_count_and_signing_work_without_redis(dead_redis: str) -> None:
    make_statement()
    client = Client()
    assert client.get("/en/stop-the-war/").status_code == 200
    assert client.get("/count/stop-the-war.json").json()["counted"] == 0
    response = client.post(
        "/en/stop-the-war/sign/",
        {
            "started": started_token(time.time() - 10),
            "name": "Anna Kovalenko",
            "email": "anna@example.org",
            "country": "UA",
            "visibility": "4",
        },
        HTTP_ORIGIN="http://testserver",
    )
    assert response.status_code == 302
    assert Signature.objects.get().status == "pending"  # stored, as always


def test_while_redis_is_down_no_worker_claims_the_daily_digest(dead_redis: str) -> None:
    from undersigned.delivery.management.commands.worker import digest_due

    # Claimed through cache.add: a "yes" here would send the digest at every poll.
    assert not digest_due(time.time(), 24)
    assert not digest_due(time.time(), 24)
