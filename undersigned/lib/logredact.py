"""A logging filter that keeps link tokens and client addresses out of every log line.

Confirm and manage links carry their token in the path. A log that kept them would let
whoever reads it confirm, lower, withdraw or erase someone's signature, so the token is
replaced before the line is written. The access log format names no client address, and the
filter blanks one anyway in case an operator adds %(addr)s.
"""

from __future__ import annotations

import logging
import re

TOKEN_IN_PATH = re.compile(r"/(confirm|manage|endorsement|invite)/[^/\s\"?]+")


def redact(text: str) -> str:
    return TOKEN_IN_PATH.sub(r"/\1/…", text)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict) and "addr" in record.args:
            record.args = {**record.args, "addr": "-"}
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        record.msg, record.args = redact(message), None
        return True
