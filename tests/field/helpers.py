"""Storing records through the sync service, as a device would."""
from uuid import uuid4

from webapp.clock import server_now
from webapp.extensions import db
from webapp.models import User
from webapp.sync.ingest import ingest

VISIT_FIELDS = {
    "visit_type": "statutory_child_protection",
    "announced": "announced",
    "child_seen": True,
    "seen_alone": True,
    "bedroom_seen": True,
    "observations": "Tidy home.",
    "analysis": "No new concerns.",
    "actions": "Visit again in 10 days.",
}


def store_visit(app, user: User, child_ref: str, event_at: str) -> str:
    record_id = str(uuid4())
    with app.app_context():
        now = server_now()
        envelope = {
            "device_id": "test-tablet",
            "device_now": now.isoformat(),
            "records": [{
                "id": record_id, "child_id": child_ref, "record_type": "visit",
                "event_at": event_at, "completed_at": event_at, "fields": VISIT_FIELDS,
            }],
        }
        result = ingest(db.session.get(User, user.id), envelope, now).results[0]
        assert result.status == "accepted", result.errors
    return record_id
