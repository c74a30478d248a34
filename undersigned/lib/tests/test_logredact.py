from __future__ import annotations

import io
import logging

from undersigned.lib.logredact import RedactTokens, redact

TOKEN = "p2snY4prS5xwUcs8S--B9fLlozHQ65Cq"


def test_tokens_leave_the_path() -> None:
    assert redact(f'"GET /en/confirm/{TOKEN}/ HTTP/1.1" 200') == '"GET /en/confirm/…/ HTTP/1.1" 200'
    assert redact(f"Not Found: /uk/manage/{TOKEN}/") == "Not Found: /uk/manage/…/"
    assert redact(f"Bad Request: /ru/invite/{TOKEN}/") == "Bad Request: /ru/invite/…/"
    assert redact(f"GET /en/endorsement/{TOKEN}/") == "GET /en/endorsement/…/"
    assert redact("/en/stop-the-war/") == "/en/stop-the-war/"


def test_the_filter_redacts_formatted_records_and_blanks_addresses() -> None:
    out = io.StringIO()
    logger = logging.getLogger("test.redact")
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactTokens())
    logger.addHandler(handler)
    try:
        logger.warning(
            "%(addr)s %(path)s", {"addr": "198.51.100.7", "path": f"/en/manage/{TOKEN}/"}
        )
        logger.warning("Not Found: %s", f"/en/confirm/{TOKEN}/")
    finally:
        logger.removeHandler(handler)
    assert out.getvalue() == "- /en/manage/…/\nNot Found: /en/confirm/…/\n"


def test_an_attackers_host_header_is_withheld() -> None:
    hostile = "evil.example\u2028INJECTED" + "A" * 300
    line = redact(
        f"Invalid HTTP_HOST header: {hostile!r}. The domain name provided is not valid "
        "according to RFC 1034/1035."
    )
    assert "evil" not in line and "INJECTED" not in line and "AAAA" not in line
    assert line.startswith("Invalid HTTP_HOST header: (withheld). The domain")
    line = redact(
        "Invalid HTTP_HOST header: 'canary-7f3a.example'. You may need to add "
        "'canary-7f3a.example' to ALLOWED_HOSTS."
    )
    assert "canary" not in line and "ALLOWED_HOSTS" in line


def test_an_attackers_origin_is_withheld() -> None:
    line = redact(
        "Forbidden (Origin checking failed - https://canary-9.example does not match any "
        "trusted origins.): /control/login/"
    )
    assert "canary" not in line
    assert line == (
        "Forbidden (Origin checking failed - (withheld) does not match any trusted origins.)"
        ": /control/login/"
    )


def test_a_very_long_line_is_cut() -> None:
    assert len(redact("Not Found: /" + "x" * 10_000)) <= 2001
