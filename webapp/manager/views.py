"""Manager pages. Views read the request, call the service and render; the queries live in service.py."""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from webapp import access
from webapp.clock import server_now
from webapp.extensions import login_manager
from webapp.manager import service
from webapp.manager import visits as visit_pages
from webapp.manager.chart import weekly_chart
from webapp.manager.schemas import (
    CAUSES,
    DATE_NAMES,
    ORDERS,
    REVIEWED,
    SORTS,
    VERDICTS,
    parse_late_entry_filters,
    parse_period,
    parse_team,
    parse_visit_filters,
)
from webapp.pages import page_or_fragment

bp = Blueprint("manager", __name__, url_prefix="/manager")


class ReviewForm(FlaskForm):
    note = TextAreaField(
        "What did you find?",
        validators=[DataRequired("Enter a note about this late entry"), Length(max=2000)],
    )


@bp.before_request
def require_team_pages():
    """Only those whose role reaches a team; everyone else is refused before any query runs."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not access.may_see_team_pages(current_user):
        abort(403)


def _scope(action: access.Action = access.Action.TEAM_PAGES) -> access.Scope:
    """The teams this request covers: a manager's own team; an admin's chosen team (?team=), or every team."""
    requested, problem = parse_team(request.args)
    if problem:
        abort(400, f"The team in this link is not valid: {problem.lower()}.")
    try:
        return access.team_scope(current_user, action, requested)
    except access.Refused:
        abort(403)


def _team_args(scope: access.Scope) -> dict:
    """The ?team= that keeps an admin on the team they chose."""
    return {"team": scope.team_id} if access.may_choose_team(current_user) and scope.team_id else {}


def _filter_error_links(errors: dict[str, str]) -> dict[str, str]:
    """The filters' messages by the id of the input each links to: a date's day box."""
    return {f"filter-{name}{'-day' if name in DATE_NAMES else ''}": message for name, message in errors.items()}


def _today():
    return service.today_in_london(server_now())


@bp.get("/")
def team_timeliness():
    scope = _scope()
    period, errors = parse_period(request.args, _today())
    teams = service.teams_in_scope(scope)
    labels = service.team_record_type_labels(teams)
    summary = service.team_timeliness(scope, period, labels)
    return render_template(
        "manager/team_timeliness.html",
        summary=summary,
        chart=weekly_chart(summary.weeks),
        errors=errors,
        error_links=_filter_error_links(errors),
        scope=scope,
        teams=teams,
        chooses_team=access.may_choose_team(current_user),
        all_teams=service.all_teams() if access.may_choose_team(current_user) else teams,
        team_args=_team_args(scope),
        cause_url=lambda cause: url_for(
            "manager.list_late_entries",
            cause=cause,
            **{"from": period.first_day.isoformat(), "to": period.last_day.isoformat()},
            **_team_args(scope),
        ),
        causes=CAUSES,
    )


def _filtered_list(scope, teams, filters, errors, endpoint: str) -> dict:
    """What a filtered list page (late entries, visits) gives its template besides its rows:
    the filters and their errors, links that keep them, and the team and practitioner choices.
    With errors, an htmx request gets the whole page, so the error summary shows."""
    return dict(
        has_errors=bool(errors),
        filters=filters,
        errors=errors,
        error_links=_filter_error_links(errors),
        scope=scope,
        team_args=_team_args(scope),
        list_url=lambda endpoint=endpoint, **changes: url_for(
            endpoint, **filters.query_args(**changes), **_team_args(scope)
        ),
        practitioners=service.team_practitioners(scope),
        chooses_team=access.may_choose_team(current_user),
        all_teams=service.all_teams() if access.may_choose_team(current_user) else teams,
    )


@bp.get("/late-entries")
def list_late_entries():
    scope = _scope()
    filters, errors = parse_late_entry_filters(request.args, _today())
    teams = service.teams_in_scope(scope)
    page = service.late_entries(scope, filters)
    return page_or_fragment(
        "manager/late_entries.html",
        "manager/partials/late_entries_results.html",
        page=page,
        **_filtered_list(scope, teams, filters, errors, "manager.list_late_entries"),
        labels=service.team_record_type_labels(teams),
        verdicts=VERDICTS,
        causes=CAUSES,
        reviewed_choices=REVIEWED,
        sorts=SORTS,
        orders=ORDERS,
    )


@bp.get("/late-entries.csv")
def export_late_entries():
    """The filtered list as a spreadsheet in words, or with ?format=raw in codes for analysts."""
    scope = _scope()
    filters, _ = parse_late_entry_filters(request.args, _today())
    export_format = request.args.get("format", "words")
    if export_format not in ("words", "raw"):
        abort(
            400,
            "The format in this link is not valid: leave it out for a spreadsheet in words,"
            " or use format=raw.",
        )
    raw = export_format == "raw"
    labels = service.team_record_type_labels(service.teams_in_scope(scope))
    rows = service.late_entries_csv(scope, filters, labels, raw=raw)
    suffix = "-raw" if raw else ""
    filename = f"late-entries-{filters.period.first_day}-to-{filters.period.last_day}{suffix}.csv"
    return Response(
        stream_with_context(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/records/<record_uuid>")
def show_record(record_uuid: str):
    return _record_page(_scope(), record_uuid, ReviewForm())


def _record_page(scope: access.Scope, record_uuid: str, form: ReviewForm, status: int = 200):
    """One record's verdict explained, with the review form (and its errors, if any)."""
    try:
        explanation = service.explain_record(scope, record_uuid)
    except service.NotFound:
        abort(404)
    page = render_template(
        "manager/record.html",
        explanation=explanation,
        form=form,
        error_links={"note": form.note.errors[0]} if form.note.errors else {},
        causes=CAUSES,
        team_args=_team_args(scope),
        back_url=_safe_back_url(),
    )
    return page, status


@bp.post("/records/<record_uuid>/review")
def review_record(record_uuid: str):
    scope = _scope(access.Action.REVIEW)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _record_page(scope, record_uuid, form, 400)
    try:
        service.review_late_entry(scope, record_uuid, current_user, form.note.data.strip(), server_now())
    except service.NotFound:
        abort(404)
    except service.NotLate:
        abort(409, "Only late entries are reviewed.")
    except service.AlreadyReviewed:
        flash("This entry has already been reviewed.", "error")
    else:
        flash("Marked as reviewed.", "success")
    return redirect(
        url_for("manager.show_record", record_uuid=record_uuid, back=_safe_back_url(), **_team_args(scope)),
        303,
    )


def _safe_back_url() -> str | None:
    """The late-list URL to return to; only a path on this site, never another host."""
    back = request.values.get("back", "")
    prefix = url_for("manager.list_late_entries")
    return back if back.startswith(prefix) and "//" not in back and "\\" not in back else None


@bp.get("/visits")
def visits():
    """The team's children overdue or due soon, by practitioner; visits within timescale in a period."""
    scope = _scope()
    today = _today()
    filters, errors = parse_visit_filters(request.args, today)
    teams = service.teams_in_scope(scope)
    return page_or_fragment(
        "manager/visits.html",
        "manager/partials/visits_results.html",
        page=visit_pages.visits_page(scope, filters, today),
        **_filtered_list(scope, teams, filters, errors, "manager.visits"),
        today=today,
    )


@bp.get("/visits.csv")
def export_visits():
    """The children overdue or due soon, and those not seen alone or bedroom not seen, in words."""
    scope = _scope()
    today = _today()
    filters, _ = parse_visit_filters(request.args, today)
    return Response(
        stream_with_context(visit_pages.visits_csv(scope, filters, today)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="visits-due-{today}.csv"'},
    )
