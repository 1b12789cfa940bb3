"""Jinja set-up for every page: the template loaders, the filters and the layout's values."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app
from flask_login import current_user
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from webapp import access, policies, words
from webapp.field.verdict_words import cause_tag, verdict_tag
from webapp.manager.formatting import percent
from webapp.models import CHILD_STATUSES
from webapp.record_forms import grouped_record_types
from webapp.timeliness import iso_utc

# The council's brand colour is set once, in the style sheet the pages draw with; the
# browser's toolbar (themeColor), the manifest and the app icons (scripts/build.mjs) read it there.
APP_CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "app.css"


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
    app.config.setdefault("SERVICE_NAME", "Visit recorder")
    app.jinja_env.filters.update(
        duration_words=words.duration_words,
        london_datetime=words.london_datetime,
        long_date=words.long_date,
        weekday_date=words.weekday_date,
        short_date=words.short_date,
        clock_words=words.clock_words,
        iso_utc=iso_utc,
        percent=percent,
        status_label=status_label,
        grouped_record_types=grouped_record_types,
    )
    app.jinja_env.globals["theme_colour"] = theme_colour()
    app.jinja_env.globals["verdict_tag_parts"] = verdict_tag
    app.jinja_env.globals["cause_tag_parts"] = cause_tag
    app.context_processor(layout_context)


def layout_context() -> dict:
    """The header names the service and the signed-in user's council (None for nobody), and
    links to the team pages for those who may see them."""
    signed_in = current_user.is_authenticated
    authority = None
    if signed_in and current_user.team is not None:
        authority = policies.authority_name(current_user.team.authority)
    return {
        "authority_name": authority,
        "service_name": current_app.config["SERVICE_NAME"],
        "may_see_team_pages": signed_in and access.may_see_team_pages(current_user),
    }


@lru_cache(maxsize=1)
def theme_colour() -> str:
    """`--app-brand` from static/css/app.css, e.g. "#005e5d"."""
    return re.search(r"--app-brand:\s*(#[0-9a-fA-F]{6})\s*;", APP_CSS.read_text())[1].lower()


def status_label(status: str) -> str:
    return CHILD_STATUSES.get(status, status)
