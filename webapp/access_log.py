"""Access logs without personal data: query-string values are redacted before a line is written.

A query string can carry a child's name (the caseload search, `/?q=`) and a Referer header
repeats the page it came from, so every URL in an access line keeps its parameter names but
only the values of KEPT_PARAMETERS, which never say anything about a person. This applies to
gunicorn's access log (`GunicornLogger`, named by gunicorn.conf.py) and to the development
server's (`init_app` filters the `werkzeug` logger).
"""
from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import unquote_plus

from gunicorn.glogging import Logger

REDACTED = "[redacted]"
# Paging, sorting and the manager pages' filters by verdict, cause and date: never personal.
KEPT_PARAMETERS = frozenset({
    "page", "sort", "order", "verdict", "cause", "reviewed", "from", "to", "format", "since", "cursor",
})
_HTTP_VERSION = re.compile(r" HTTP/\d(?:\.\d)?")
# The development server colours a line by its status: the escapes wrap the request line.
_ANSI_WRAPPED = re.compile(r"^((?:\x1b\[[\d;]*m)*)(.*?)((?:\x1b\[[\d;]*m)*)$", re.S)


def redact_query(query: str) -> str:
    """'q=Amelia&page=2' -> 'q=[redacted]&page=2'."""
    if not query:
        return query
    parts = []
    for pair in query.split("&"):
        name, equals, value = pair.partition("=")
        if unquote_plus(name) in KEPT_PARAMETERS:
            parts.append(pair)
        elif equals or name:
            parts.append(f"{name}={REDACTED}" if equals else REDACTED)
    return "&".join(parts)


def redact_target(target: str) -> str:
    """A path or URL with its query string redacted: '/?q=Amelia' -> '/?q=[redacted]'."""
    path, question, query = target.partition("?")
    return f"{path}?{redact_query(query)}" if question else target


def redact_request_line(line: str) -> str:
    """'GET /?q=Amelia Adams HTTP/1.1' -> 'GET /?q=[redacted] HTTP/1.1'.

    The development server decodes the path before logging it, so a value may hold spaces:
    the query runs to the protocol version, not to the next space.
    """
    start, text, end = _ANSI_WRAPPED.match(line).groups()
    path_at = text.find("?")
    if path_at < 0:
        return line
    versions = list(_HTTP_VERSION.finditer(text, path_at))
    query_end = versions[-1].start() if versions else len(text)
    return f"{start}{text[:path_at + 1]}{redact_query(text[path_at + 1:query_end])}{text[query_end:]}{end}"


class GunicornLogger(Logger):
    """gunicorn's logger, writing every access line with query-string values redacted."""

    def atoms(self, resp, req, environ, request_time) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if not isinstance(value, str):
                continue
            if key in ("q", "{query_string}e"):
                atoms[key] = redact_query(value)
            elif key == "r":
                atoms[key] = redact_request_line(value)
            elif "?" in value:  # the Referer, the raw URI
                atoms[key] = redact_target(value)
        return atoms


class RedactRequestLines(logging.Filter):
    """Redacts the request line the development server logs for each request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_request_line(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


def init_app(app) -> None:
    """Filter the development server's access log (the `werkzeug` logger), once per process."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(existing, RedactRequestLines) for existing in logger.filters):
        logger.addFilter(RedactRequestLines())
