"""Field pages. Views read the request, call the service, and render a page or an htmx fragment."""
from __future__ import annotations

import json
from uuid import uuid4

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_login import current_user, login_required

from webapp import access, policies
from webapp.clock import server_now
from webapp.field import forms, precache, service
from webapp.field.recording import RecordRefused, store_record
from webapp.models import CHILD_REFERENCE
from webapp.pages import page_or_fragment
from webapp.record_forms import CASE_NOTE, VISIT, Submission
from webapp.sync.schemas import text_problem
from webapp.templating import theme_colour
from webapp.timeliness import iso_utc
from webapp.visits.schedules import today_in_london

bp = Blueprint("field", __name__)


def _is_shell_request() -> bool:
    """A fetch that is not a page navigation: the service worker precaching the form shell.

    The shell must hold no personal data, because it outlives the signed-in user in the cache.
    """
    mode = request.headers.get("Sec-Fetch-Mode")
    return (mode is not None and mode != "navigate" and not request.htmx) or (
        not current_user.is_authenticated
    )


@bp.get("/")
@login_required
def caseload():
    search = request.args.get("q", "")
    problem = text_problem(search)
    if problem:
        abort(400, f"The search cannot be used: {problem}")
    entries = service.caseload(current_user, search, today=today_in_london(server_now()))
    return page_or_fragment(
        "field/caseload.html", "field/partials/caseload_list.html", entries=entries, search=search,
        rendered_at=iso_utc(server_now()),
    )


@bp.get("/children/<reference>")
@login_required
def show_child(reference: str):
    if not CHILD_REFERENCE.fullmatch(reference):
        abort(404)  # no child has such a reference, so no need to ask the database
    try:
        child = service.visible_child(current_user, reference)
    except service.ChildNotFound:
        abort(404)
    records = service.child_records(child)
    return page_or_fragment(
        "field/child.html",
        "field/partials/record_list.html",
        child=child,
        records=records,
        requirements=service.child_requirements(child, today_in_london(server_now())),
        rendered_at=iso_utc(server_now()),
        may_record=access.may_record_for(current_user, child),
    )


def _form_children(shell: bool):
    return [] if shell else service.recordable_children(current_user)


def _record_types(shell: bool) -> dict[str, str]:
    """The user's authority's record types but visits, which have their own form."""
    if shell or current_user.team is None:
        return {}
    types = policies.record_type_labels(current_user.team.authority)
    types.pop("visit", None)
    return types


def _children_statuses() -> dict[str, list[str]]:
    return {child.reference: child.statuses for child in service.recordable_children(current_user)}


def _form_page(form, template: str, defaults: dict[str, str] | None = None, **context):
    """A record form as the link asks for it. The shell the service worker keeps for everyone
    carries no child and no values: the child named in the link is chosen on the device."""
    shell = _is_shell_request()
    values = {} if shell else {**(defaults or {}), **forms.starting_values(server_now(), request.args.get("child", ""))}
    return render_template(
        template, form=form, children=_form_children(shell), values=values, errors={}, shell=shell, **context
    )


@bp.route("/visits/new", methods=["GET", "POST"])
def new_visit():
    if request.method == "GET":
        return _form_page(VISIT, "field/visit_form.html")
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    submission = forms.read_visit(request.form, _children_statuses(), server_now())
    return _finish(submission, VISIT, "field/visit_form.html")


@bp.route("/notes/new", methods=["GET", "POST"])
def new_note():
    if request.method == "GET":
        shell = _is_shell_request()
        return _form_page(
            CASE_NOTE, "field/note_form.html", {"record_type": "case_note"}, record_types=_record_types(shell)
        )
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    record_types = _record_types(shell=False)
    submission = forms.read_note(request.form, _children_statuses(), record_types, server_now())
    return _finish(submission, CASE_NOTE, "field/note_form.html", record_types=record_types)


def _finish(submission: Submission, form, template: str, **context):
    """Store a valid record and show it on the child's page, or show the form with its errors."""
    if submission.valid:
        try:
            store_record(current_user, submission, record_id=str(uuid4()), now=server_now())
        except RecordRefused as refused:
            submission.errors.update(refused.errors)
        else:
            return redirect(
                url_for("field.show_child", reference=submission.child_reference, stored=1), 303
            )
    return (
        render_template(
            template,
            form=form,
            children=service.recordable_children(current_user),
            values=submission.values,
            errors=submission.errors,
            shell=False,
            **context,
        ),
        400,
    )


@bp.get("/records")
@login_required
def my_records():
    records = service.authored_records(current_user)
    return render_template("field/records.html", records=records)


@bp.get("/offline")
def offline():
    # Rendered as a shell (no user) since the worker caches it for whoever uses the device.
    return render_template("field/offline.html", shell=True)


@bp.get("/manifest.webmanifest")
def manifest():
    body = {
        "name": f"{current_app.config['SERVICE_NAME']} – children's social care",
        "short_name": "Visits",
        "description": "Record home visits and case notes, with or without signal.",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "background_color": "#ffffff",
        "theme_color": theme_colour(),
        "icons": [
            {"src": f"/static/dist/icons/icon-{size}.png", "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any"}
            for size in (192, 512)
        ],
    }
    response = current_app.response_class(json.dumps(body), mimetype="application/manifest+json")
    # Not personal data, and browsers re-read it to spot changes: let it be cached briefly.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
def service_worker():
    if not precache.worker_path().exists():
        abort(404)
    source = precache.service_worker_source()
    response = current_app.response_class(source, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    # The browser must check for a new worker on every navigation, or updates never arrive.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/assets/<path:filename>")
def govuk_asset(filename: str):
    """GOV.UK Frontend's fonts and images, where its CSS asks for them."""
    return send_from_directory(precache.assets_dir(), filename, max_age=3600)
