"""A logging filter that keeps link tokens, client addresses and what an attacker typed out
of every log line.

Confirm and manage links carry their token in the path. A log that kept them would let
whoever reads it confirm, lower, withdraw or erase someone's signature, so the token is
replaced before the line is written. The access log format names no client address, and the
filter blanks one anyway in case an operator adds %(addr)s.

A request's `Host`, `Origin` and `Referer` are the client's to choose. Django copies them
into its warnings (a host not in ALLOWED_HOSTS, a failed CSRF origin check), so anyone could
write anything, of any length, into the log, and the traceback would repeat it. They are
withheld: the warning says what happened, and the operator knows their own host name.
"""

from __future__ import annotations

import logging
import re

TOKEN_IN_PATH = re.compile(r"/(confirm|manage|endorsement|invite)/[^/\s\"?]+")
# Django's own wording (django/http/request.py, django/middleware/csrf.py).
UNTRUSTED_HOST = re.compile(r"Invalid HTTP_HOST header: .*?\. (You may need|The domain)", re.S)
HOST_HINT = re.compile(r"You may need to add .* to ALLOWED_HOSTS\.", re.S)
UNTRUSTED_ORIGIN = re.compile(r"(Origin|Referer) checking failed - .* does not match", re.S)
WITHHELD = "(withheld)"
MAX_LINE = 2000


def redact(text: str) -> str:
    text = TOKEN_IN_PATH.sub(r"/\1/…", text)
    if "HTTP_HOST" in text:
        text = UNTRUSTED_HOST.sub(rf"Invalid HTTP_HOST header: {WITHHELD}. \1", text)
        text = HOST_HINT.sub("Check ALLOWED_HOSTS.", text)
    if "checking failed" in text:
        text = UNTRUSTED_ORIGIN.sub(rf"\1 checking failed - {WITHHELD} does not match", text)
    return text if len(text) <= MAX_LINE else text[:MAX_LINE] + "…"


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict) and "addr" in record.args:
            record.args = {**record.args, "addr": "-"}
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        redacted = redact(message)
        if redacted != message and record.exc_info:
            # The traceback would quote the exception's message, unredacted.
            record.exc_info, record.exc_text = None, None
        record.msg, record.args = redacted, None
        return True
