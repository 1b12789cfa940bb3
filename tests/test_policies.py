"""The policy registry: one cache of POLICY_DIR, read again when a file there changes."""
from __future__ import annotations

import shutil

import pytest

from tests.factories import Factory
from webapp import policies
from webapp.timeliness import POLICY_DIR, PolicyError, UnknownAuthority


@pytest.fixture
def policy_dir(app, tmp_path):
    """A copy of the real policies, which the test may edit."""
    copy = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, copy)
    app.config["POLICY_DIR"] = str(copy)
    return copy


def _rename_contact_forms(policy_dir, label: str) -> None:
    path = policy_dir / "norfolk.yaml"
    text = path.read_text()
    assert '  contact: "Contact form"\n' in text
    path.write_text(text.replace('  contact: "Contact form"\n', f'  contact: "{label}"\n'))


def test_the_policies_are_read_once_until_a_file_changes(app, policy_dir):
    with app.app_context():
        first = policies.current()
        assert policies.current() is first
        assert policies.record_type_labels("norfolk")["contact"] == "Contact form"
        assert policies.authority_name("norfolk") == first.policies["norfolk"].name

        _rename_contact_forms(policy_dir, "Contact record")

        assert policies.current() is not first
        assert policies.record_type_labels("norfolk")["contact"] == "Contact record"


def test_a_new_file_in_sources_counts_as_a_change(app, policy_dir):
    with app.app_context():
        first = policies.current()
        (policy_dir / "sources" / "new.txt").write_text("A new source document.\n")
        assert policies.current() is not first


def test_an_invalid_file_is_named_and_the_others_still_load(app, policy_dir):
    (policy_dir / "norfolk.yaml").write_text("authority: norfolk\n")
    with app.app_context():
        assert policies.policy("norfolk") is None
        assert policies.record_type_labels("norfolk") == {}
        assert policies.authority_name("norfolk") is None
        assert "visit" in policies.record_type_labels("warwickshire")
        with pytest.raises(PolicyError, match="norfolk.yaml"):
            policies.find("norfolk")
        # Records are not judged against a partial set of policies.
        with pytest.raises(PolicyError, match="norfolk.yaml"):
            policies.every_policy()


@pytest.mark.parametrize("authority", ["nowhere", "../norfolk", ""])
def test_an_unknown_authority_lists_the_known_ones(app, policy_dir, authority):
    with app.app_context():
        with pytest.raises(UnknownAuthority, match="known: calderdale, havering, lcs-model, norfolk, warwickshire"):
            policies.find(authority)
        assert policies.record_type_labels(authority) == {}


def test_sync_field_pages_and_the_cli_see_an_edited_policy_without_a_restart(app, client, auth, runner, policy_dir):
    with app.app_context():
        make = Factory()
        team = make.team("Norwich", "norfolk")
        make.child(team, reference="NOR-1", practitioner=make.user(team, email="asha@norfolk.test"))
    auth.sign_in("asha@norfolk.test")

    def labels() -> tuple[str, bool, bool]:
        [authority] = client.get("/api/v1/caseload").get_json()["authorities"]
        api = next(t["label"] for t in authority["record_types"] if t["id"] == "contact")
        form = client.get("/notes/new").get_data(as_text=True)
        cli = runner.invoke(args=["policy", "explain", "--authority", "norfolk"]).output
        return api, "Contact record" in form, "Contact record (contact)" in cli

    assert labels() == ("Contact form", False, False)
    _rename_contact_forms(policy_dir, "Contact record")
    assert labels() == ("Contact record", True, True)
