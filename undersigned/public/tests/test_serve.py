"""What `undersigned serve --access-log` writes: no client address, no link token (P5)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management.base import CommandError

from undersigned.public.management.commands.serve import (
    ACCESS_LOG_FORMAT,
    granian_command,
    onion_listener,
)
from undersigned.test import LiveSite, Mailbox, http, links_in

SLUG = "solidarity-against-war"


def test_it_serves_with_granian_not_runserver() -> None:
    command = granian_command("127.0.0.1", 8000, 2, 1, access_log=False)
    assert command[1:3] == ["-m", "granian"] and "--no-access-log" in command
    assert command[-1] == "undersigned.wsgi:application"


def test_the_access_log_has_no_client_address() -> None:
    command = granian_command("127.0.0.1", 8000, 2, 1, access_log=True)
    assert command[command.index("--access-log-fmt") + 1] == ACCESS_LOG_FORMAT
    assert "addr" not in ACCESS_LOG_FORMAT
    assert "--log-config" in command  # the filter that drops link tokens


@pytest.mark.slow
def test_the_live_access_log_has_no_address_and_no_token(
    live_site: LiveSite, mailbox: Mailbox
) -> None:
    site = live_site.url
    assert http("GET", f"{site}/en/{SLUG}/").status == 200
    form = {"name": "Log Tester", "email": "log@example.org", "country": "UA", "visibility": "1"}
    assert http("POST", f"{site}/en/{SLUG}/sign/", form).status == 302
    links = links_in(mailbox.wait_for("log@example.org")[0])
    token = links["confirm"].rstrip("/").rsplit("/", 1)[1]
    assert http("GET", links["confirm"]).status == 200
    assert http("POST", links["confirm"], {}).status == 200
    assert http("GET", f"{site}/en/confirm/{'x' * 32}/").status == 404
    assert http("GET", f"{site}/count/{SLUG}.json").status == 200
    live_site.log.flush()
    log = (live_site.root / "site.log").read_text()
    assert f'"GET /en/{SLUG}/ ' in log  # the access log is on
    assert '"POST /en/confirm/…/ ' in log
    assert "127.0.0.1" not in log
    assert token not in log
    assert "log@example.org" not in log and "Log Tester" not in log


def test_onion_listen_adds_a_second_server_marked_as_the_onion_listener(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    monkeypatch.delenv("ONION_LISTEN", raising=False)
    assert onion_listener(2, 1, access_log=False) is None
    monkeypatch.setenv("ONION_LISTEN", "127.0.0.1:8081")
    with pytest.raises(CommandError, match="ONION_ADDRESS"):
        onion_listener(2, 1, access_log=False)
    settings.ONION_ADDRESS = "example.onion"
    found = onion_listener(2, 1, access_log=False)
    assert found is not None
    command, env = list(found.command), found.env
    assert command[command.index("--port") + 1] == "8081"
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert env is not None and env["UNDERSIGNED_ONION_LISTENER"] == "1"
    monkeypatch.setenv("ONION_LISTEN", "8081")
    with pytest.raises(CommandError, match="host:port"):
        onion_listener(2, 1, access_log=False)
