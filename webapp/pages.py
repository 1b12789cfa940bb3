"""A page or the fragment of it that htmx swaps in, from the same URL."""
from __future__ import annotations

from flask import Response, current_app, render_template, request


def page_or_fragment(template: str, fragment: str, has_errors: bool = False, **context) -> Response:
    """The fragment for htmx, the whole page for browsers.

    When the request has errors, htmx is told to load the whole page instead (HX-Redirect to
    the same URL), because the error summary is at the top of the page, outside the fragment.

    htmx asks for the whole page (HX-History-Restore-Request) when it goes back to a URL whose
    copy it no longer holds, and puts the answer in place of the whole body: a fragment there
    would leave the page without its header and form. `Vary: HX-Request` keeps a cache from
    handing one kind of answer to the other kind of request.
    """
    wants_fragment = request.htmx and not request.headers.get("HX-History-Restore-Request")
    if wants_fragment and has_errors:
        response = current_app.make_response("")
        response.headers["HX-Redirect"] = request.full_path
        response.vary.add("HX-Request")
        return response
    response = current_app.make_response(render_template(fragment if wants_fragment else template, **context))
    response.vary.add("HX-Request")
    return response
