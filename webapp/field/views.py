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
from webapp.field.answers import answers, form_of
from webapp.field.recording import RecordRefused, store_record
from webapp.models import CHILD_REFERENCE
from webapp.pages import page_or_fragment
from webapp.record_forms import CASE_NOTE, VISIT, Form, Submission
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
    children = service.recordable_children(current_user)
    now = server_now()
    submission = forms.read_visit(request.form, _statuses(children), now, service.deadlines_of(children, now))
    return _finish(submission, VISIT, "field/visit_form.html", children)


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
    children = service.recordable_children(current_user)
    now = server_now()
    submission = forms.read_note(
        request.form, _statuses(children), record_types, now, service.deadlines_of(children, now)
    )
    return _finish(submission, CASE_NOTE, "field/note_form.html", children, record_types=record_types)


def _statuses(children) -> dict[str, list[str]]:
    return {child.reference: child.statuses for child in children}


def _finish(
    submission: Submission, form: Form, template: str, children, record_types: dict[str, str] | None = None,
    correcting=None,
):
    """A plain POST of a record form (without JavaScript): the form again with its errors, or
    "Check your answers", from which it is finished ("confirm") or changed ("change"); a finished
    record is stored and shown on the child's page, a finished correction on the record's page."""
    context = {"form": form, "children": children, "record_types": record_types or {}, "correcting": correcting}
    if submission.valid and request.form.get("change"):
        return render_template(template, values=submission.values, errors={}, shell=False, **context)
    if submission.valid and request.form.get("confirm") != "yes":
        return _check_answers(submission, context)
    if submission.valid:
        try:
            store_record(
                current_user, submission, record_id=correcting.uuid if correcting else str(uuid4()),
                now=server_now(), supersedes=correcting.version if correcting else None,
            )
        except RecordRefused as refused:
            submission.errors.update(refused.errors)
        else:
            if correcting:
                return redirect(url_for("field.show_record", record_uuid=correcting.uuid, corrected=1), 303)
            return redirect(
                url_for("field.show_child", reference=submission.child_reference, stored=1), 303
            )
    return (
        render_template(template, values=submission.values, errors=submission.errors, shell=False, **context),
        400,
    )


def _check_answers(submission: Submission, context):
    form, children = context["form"], context["children"]
    child = next(child for child in children if child.reference == submission.child_reference)
    record_type_label = (context["record_types"] or {}).get(submission.record_type, form.label)
    rows = answers(
        form,
        child_label=f"{child.name} ({child.reference})",
        record_type=submission.record_type,
        record_type_label=record_type_label,
        event_at=submission.event_at,
        fields=submission.fields,
        statuses=child.statuses,
        deadline=submission.deadline,
    )
    return render_template(
        "field/check_answers.html",
        heading=f"{record_type_label} for {child.name} ({child.reference})",
        answers=rows,
        values=submission.values,
        action=request.path,
        correcting=context["correcting"],
    )


@bp.get("/records")
@login_required
def my_records():
    records = service.authored_records(current_user)
    return render_template("field/records.html", records=records)


def _own_record(record_uuid: str, version: int | None = None) -> service.OwnRecord:
    try:
        return service.own_record(current_user, record_uuid, version)
    except service.RecordNotFound:
        abort(404)


def _may_correct(record) -> bool:
    return access.may_change_record(current_user, record) and access.may_record_for(current_user, record.child)


@bp.get("/records/<uuid:record_uuid>")
@login_required
def show_record(record_uuid):
    version = request.args.get("version", type=int)
    own = _own_record(str(record_uuid), version)
    shown = own.shown
    form = form_of(shown.record_type)
    # A visit is called what its form calls it, as on the device; other types by the authority.
    label = form.label if form is VISIT else own.line.record_type_label
    rows = answers(
        form,
        child_label=f"{shown.child.name} ({shown.child.reference})",
        record_type=shown.record_type,
        record_type_label=label,
        event_at=shown.event_at,
        fields=shown.fields,
        statuses=shown.child.statuses,
    )
    return render_template(
        "field/record.html",
        own=own,
        label=label,
        record=shown,
        answers=rows,
        may_correct=shown is own.current and _may_correct(shown),
        may_read_child=access.may_read_child(current_user, shown.child),
    )


@bp.route("/records/<uuid:record_uuid>/correct", methods=["GET", "POST"])
@login_required
def correct_record(record_uuid):
    """Correct one of the user's sent records: its form, prefilled, sent as its next version."""
    current = _own_record(str(record_uuid)).current
    if not _may_correct(current):
        abort(403, "This record can no longer be corrected here: the child is not allocated to you.")
    form = form_of(current.record_type)
    template = "field/visit_form.html" if form is VISIT else "field/note_form.html"
    record_types = {} if form is VISIT else {current.record_type: _record_types(shell=False).get(current.record_type, current.record_type)}
    if request.method == "GET":
        return render_template(
            template, form=form, children=[current.child], values=forms.record_values(current), errors={},
            shell=False, record_types=record_types, correcting=current,
        )
    statuses = {current.child.reference: current.child.statuses}
    now = server_now()
    read = form.read(request.form, statuses, now, record_types, service.deadlines_of([current.child], now))
    seen_version = request.form.get("supersedes", type=int)
    if seen_version != current.version:
        # Changed since this page was opened (on another device, say): correct the newest version.
        read.errors["supersedes"] = (
            f"This record has changed since you opened it: version {current.version} is now the newest. "
            "Open it again to correct that version."
        )
    return _finish(read, form, template, [current.child], record_types, correcting=current)


@bp.get("/offline")
def offline():
    # Rendered as a shell (no user) since the worker caches it for whoever uses the device;
    # public, as it shows nothing of anybody's (its links lead to pages that check).
    return render_template("field/offline.html", shell=True, public=True)


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
