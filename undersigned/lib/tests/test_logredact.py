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
