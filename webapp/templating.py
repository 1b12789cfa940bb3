"""Jinja set-up: our templates first, then the GOV.UK Frontend macros under their own prefix."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from webapp.models import CHILD_STATUSES

LONDON = ZoneInfo("Europe/London")


def init_templating(app: Flask) -> None:
    # `{% extends "govuk_frontend_jinja/template.html" %}` and
    # `{% from "govuk_frontend_jinja/components/<name>/macro.html" import ... %}` resolve here.
    app.jinja_loader = ChoiceLoader(
        [
            app.jinja_loader,
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    # Every page names the service and the authority in its header.
    app.config.setdefault("SERVICE_NAME", "Visit recorder")
    app.jinja_env.filters.update(
        london_datetime=london_datetime,
        london_date=london_date,
        long_date=long_date,
        status_label=status_label,
    )


def _london(instant: datetime) -> datetime:
    return instant.astimezone(LONDON)


def london_datetime(instant: datetime) -> str:
    """'Mon 23 Nov 2026, 14:30' in London time."""
    return _london(instant).strftime("%a %-d %b %Y, %H:%M")


def london_date(instant: datetime) -> str:
    return _london(instant).strftime("%-d %B %Y")


def long_date(day: date) -> str:
    return day.strftime("%-d %B %Y")


def status_label(status: str) -> str:
    return CHILD_STATUSES.get(status, status)
