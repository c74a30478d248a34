"""Issue 14, item 11: a Host header an attacker chose never reaches the log."""

from __future__ import annotations

import io
import logging

import pytest
from django.test import Client

from undersigned.lib.logredact import RedactTokens
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db


def test_a_disallowed_host_is_logged_without_the_header() -> None:
    make_statement()
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactTokens())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logger = logging.getLogger("django.security")
    logger.addHandler(handler)
    try:
        for host in ("canary-host-41.example", "x\u2028canary-host-42" + "A" * 500):
            response = Client().get("/en/stop-the-war/", HTTP_HOST=host)
            assert response.status_code == 400
    finally:
        logger.removeHandler(handler)
    logged = out.getvalue()
    assert logged.count("Invalid HTTP_HOST header: (withheld)") == 2, logged
    assert "canary" not in logged and "AAAA" not in logged
