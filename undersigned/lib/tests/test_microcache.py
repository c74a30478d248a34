from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from undersigned.lib.microcache import MicroCache

PUBLIC = [("Content-Type", "text/html"), ("Cache-Control", "public, max-age=2")]


class App:
    """A WSGI app that counts its calls and answers with the headers it is given."""

    def __init__(self, headers: list[tuple[str, str]], status: str = "200 OK") -> None:
        self.headers = headers
        self.status = status
        self.calls = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.calls += 1
        start_response(self.status, list(self.headers))
        return [f"call {self.calls} ".encode(), environ.get("HTTP_ACCEPT_LANGUAGE", "").encode()]


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


def get(cache: MicroCache, path: str = "/en/s/", **headers: str) -> tuple[str, bytes]:
    seen: list[str] = []
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", **headers}
    body = b"".join(cache(environ, lambda status, h, exc=None: seen.append(status)))
    return seen[0], body


def make(app: App, clock: Clock | None = None) -> MicroCache:
    return MicroCache(app, r"/en/[a-z]+/", ttl=1.0, clock=clock or Clock())


def test_it_answers_repeats_from_memory_within_the_ttl() -> None:
    app, clock = App(PUBLIC), Clock()
    cache = make(app, clock)
    assert get(cache) == ("200 OK", b"call 1 ")
    clock.now += 0.9
    assert get(cache) == ("200 OK", b"call 1 ")
    assert app.calls == 1


def test_it_asks_the_application_again_after_the_ttl() -> None:
    app, clock = App(PUBLIC), Clock()
    cache = make(app, clock)
    get(cache)
    clock.now += 1.01
    assert get(cache)[1] == b"call 2 "


def test_it_never_keeps_responses_that_set_cookies_or_are_private() -> None:
    for headers in (
        [*PUBLIC, ("Set-Cookie", "sessionid=x")],
        [("Cache-Control", "private, max-age=2")],
        [("Content-Type", "text/html")],
        [*PUBLIC, ("Vary", "*")],
    ):
        app = App(headers)
        cache = make(app)
        get(cache)
        get(cache)
        assert app.calls == 2, headers


def test_it_keeps_only_successful_answers() -> None:
    app = App(PUBLIC, status="404 Not Found")
    cache = make(app)
    assert get(cache)[0] == "404 Not Found"
    get(cache)
    assert app.calls == 2


def test_requests_with_cookies_credentials_or_other_paths_pass_through() -> None:
    app = App(PUBLIC)
    cache = make(app)
    get(cache)
    get(cache, HTTP_COOKIE="sessionid=x")
    get(cache, HTTP_AUTHORIZATION="Basic eA==")
    get(cache, "/admin/")
    get(cache, "/en/s/sign/")
    assert app.calls == 5


def test_it_keeps_a_copy_per_host_and_scheme() -> None:
    app = App(PUBLIC)
    cache = make(app)
    get(cache, HTTP_HOST="sign.example.org")
    get(cache, HTTP_HOST="evil.example.com")
    get(cache, HTTP_HOST="sign.example.org", HTTP_X_FORWARDED_PROTO="https")
    get(cache, HTTP_HOST="sign.example.org")
    assert app.calls == 3


def test_it_keeps_a_copy_per_value_of_the_headers_the_response_varies_on() -> None:
    app = App([*PUBLIC, ("Vary", "Accept-Language")])
    cache = make(app)
    assert get(cache, HTTP_ACCEPT_LANGUAGE="uk")[1] == b"call 1 uk"
    assert get(cache, HTTP_ACCEPT_LANGUAGE="ru")[1] == b"call 2 ru"
    assert get(cache, HTTP_ACCEPT_LANGUAGE="uk")[1] == b"call 1 uk"


def test_memory_stays_bounded_by_max_entries() -> None:
    app = App(PUBLIC)
    cache = MicroCache(app, r"/en/[a-z]+/", ttl=1.0, max_entries=3, clock=Clock())
    for path in ("/en/a/", "/en/b/", "/en/c/", "/en/d/", "/en/e/"):
        get(cache, path)
    assert len(cache._entries) <= 3


def test_a_zero_ttl_turns_it_off() -> None:
    app = App(PUBLIC)
    cache = MicroCache(app, r"/en/[a-z]+/", ttl=0)
    get(cache)
    get(cache)
    assert app.calls == 2


def test_a_query_key_decides_which_queries_share_a_copy() -> None:
    app = App(PUBLIC)
    cache = MicroCache(app, r"/en/[a-z]+/", ttl=1.0, clock=Clock(), query_key=lambda p, q: "")
    for query in ["", "x=1", "x=2"]:
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/en/s/", "QUERY_STRING": query}
        b"".join(cache(environ, lambda status, h, exc=None: None))
    assert app.calls == 1


def test_a_client_holding_the_copy_gets_a_304_with_its_headers() -> None:
    app = App([*PUBLIC, ("ETag", '"abc"'), ("Access-Control-Allow-Origin", "*")])
    cache = make(app)
    get(cache)
    seen: list[tuple[str, list[tuple[str, str]]]] = []
    for held in ('"abc"', 'W/"abc"', '"x", "abc"', "*"):
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/en/s/", "HTTP_IF_NONE_MATCH": held}
        body = b"".join(cache(environ, lambda status, h, exc=None: seen.append((status, h))))
        assert body == b"", held
    assert {status for status, _h in seen} == {"304 Not Modified"}
    assert dict(seen[0][1]) == {
        "Cache-Control": "public, max-age=2",
        "ETag": '"abc"',
        "Access-Control-Allow-Origin": "*",
    }
    assert get(cache, HTTP_IF_NONE_MATCH='"old"') == ("200 OK", b"call 1 ")
    assert app.calls == 1


def test_without_an_etag_a_conditional_request_gets_the_copy() -> None:
    app = App(PUBLIC)
    cache = make(app)
    get(cache)
    assert get(cache, HTTP_IF_NONE_MATCH="*") == ("200 OK", b"call 1 ")


def test_while_the_application_fails_it_answers_the_last_copy_for_a_while() -> None:
    app, clock = App(PUBLIC), Clock()
    cache = make(app, clock)
    get(cache)
    app.status = "500 Internal Server Error"  # the database went away
    clock.now += 30
    assert get(cache) == ("200 OK", b"call 1 ")
    clock.now += 31  # longer than stale_if_error after the copy expired
    assert get(cache)[0] == "500 Internal Server Error"


def test_a_client_error_is_not_replaced_by_the_last_copy() -> None:
    app, clock = App(PUBLIC), Clock()
    cache = make(app, clock)
    get(cache)
    app.status = "404 Not Found"  # the statement was unpublished
    clock.now += 2
    assert get(cache)[0] == "404 Not Found"
