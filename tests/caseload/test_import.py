"""`flask caseload import`: good rows load, bad rows are reported by line, reruns update."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from tests.factories import PASSWORD
from webapp.extensions import db
from webapp.models import Child, Team, User

HEADER = "team,authority,service,practitioner_email,practitioner_name,child_ref,child_name,date_of_birth,status\n"
GOOD = (
    "Norwich,norfolk,children_social_care,Asha@Norfolk.test,Asha Patel,NOR-1,Amelia Adams,2015-03-02,child_in_need\n"
    "Norwich,norfolk,children_social_care,asha@norfolk.test,Asha Patel,NOR-2,Ben Bailey,2012-07-19,child_protection;child_in_need\n"
    "Nuneaton,warwickshire,early_help,maya@warwickshire.test,Maya Singh,WAR-1,Cara Carter,,early_help\n"
)
BAD = (
    "Norwich,nowhere,children_social_care,asha@norfolk.test,Asha Patel,NOR-3,Dan Davies,2015-01-01,child_in_need\n"
    "Norwich,norfolk,children_social_care,asha@norfolk.test,Asha Patel,NOR-4,Eve Evans,01/02/2015,child_in_need\n"
    "Norwich,norfolk,children_social_care,asha@norfolk.test,Asha Patel,NOR-5,Finn Fisher,2015-01-01,fostered\n"
    "Norwich,norfolk,children_social_care,not-an-email,Asha Patel,NOR-6,Gus Green,2015-01-01,\n"
    "Norwich,warwickshire,children_social_care,asha@norfolk.test,Asha Patel,NOR-7,Hal Hall,2015-01-01,\n"
    ",norfolk,children_social_care,asha@norfolk.test,Asha Patel,,Ivy Iqbal,2015-01-01,\n"
)


def write(tmp_path, text, name="caseload.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def counts(app):
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Team, User, Child))


def test_good_rows_create_teams_practitioners_and_children(app, runner, tmp_path):
    result = runner.invoke(args=["caseload", "import", write(tmp_path, HEADER + GOOD)])

    assert result.exit_code == 0, result.output
    assert "Imported 3 rows (3 children added, 0 updated); 0 rows with errors." in result.output
    assert counts(app) == (2, 2, 3)
    with app.app_context():
        child = db.session.scalar(select(Child).where(Child.reference == "NOR-2"))
        assert child.name == "Ben Bailey"
        assert child.date_of_birth == date(2012, 7, 19)
        assert child.statuses == ["child_protection", "child_in_need"]
        assert (child.team.name, child.team.authority) == ("Norwich", "norfolk")
        assert child.practitioner.email == "asha@norfolk.test"
        assert child.practitioner.password_hash is None  # signs in once `users create` sets one
        war = db.session.scalar(select(Child).where(Child.reference == "WAR-1"))
        assert war.date_of_birth is None and war.team.service == "early_help"


def test_bad_rows_are_reported_by_line_and_the_others_still_load(app, runner, tmp_path):
    result = runner.invoke(args=["caseload", "import", write(tmp_path, HEADER + GOOD + BAD)])

    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("line ")]
    assert [e.split(":")[0] for e in errors] == ["line 5", "line 6", "line 7", "line 8", "line 9", "line 10"]
    assert "authority 'nowhere' is not a policy id" in errors[0]
    assert "date_of_birth '01/02/2015' is not an ISO date" in errors[1]
    assert "unknown status fostered" in errors[2]
    assert "practitioner_email is not an email address" in errors[3]
    assert "team 'Norwich' has authority 'norfolk' on line 2" in errors[4]
    assert "team is empty" in errors[5] and "child_ref is empty" in errors[5]
    assert "Imported 3 rows" in result.output and "6 rows with errors" in result.output
    assert counts(app) == (2, 2, 3)


def test_rerunning_an_import_updates_rather_than_duplicates(app, runner, tmp_path):
    runner.invoke(args=["caseload", "import", write(tmp_path, HEADER + GOOD)])
    changed = GOOD.replace("Amelia Adams,2015-03-02,child_in_need", "Amelia Adams-Smith,2015-03-02,looked_after")
    changed = changed.replace("Maya Singh", "Maya Singh-Jones")

    result = runner.invoke(args=["caseload", "import", write(tmp_path, HEADER + changed, "again.csv")])

    assert result.exit_code == 0, result.output
    assert "(0 children added, 3 updated)" in result.output
    assert counts(app) == (2, 2, 3)
    with app.app_context():
        child = db.session.scalar(select(Child).where(Child.reference == "NOR-1"))
        assert (child.name, child.statuses) == ("Amelia Adams-Smith", ["looked_after"])
        assert db.session.scalar(select(User.name).where(User.email == "maya@warwickshire.test")) == "Maya Singh-Jones"


def test_a_file_without_the_required_columns_is_refused(app, runner, tmp_path):
    result = runner.invoke(args=["caseload", "import", write(tmp_path, "team,authority\nNorwich,norfolk\n")])
    assert result.exit_code == 1
    assert "lacks the column(s): service, practitioner_email" in result.output
    assert counts(app) == (0, 0, 0)


def test_an_excel_export_with_a_byte_order_mark_and_blank_lines_imports(app, runner, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeff" + HEADER + "\n" + GOOD).encode("utf-8"))
    result = runner.invoke(args=["caseload", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert counts(app) == (2, 2, 3)


def test_a_child_reference_must_fit_the_childs_page_address(app, runner, tmp_path, client, auth):
    row = "Norwich,norfolk,children_social_care,asha@norfolk.test,Asha Patel,{},Child,2015-01-01,\n"
    refused = ["NOR/1", "..", ".hidden", "NOR 1", "NOR?1", "NOR#1", "NOR%2F1", "N" * 65]
    accepted = ["NOR-1", "nor_1.2", "12345"]
    csv_text = HEADER + "".join(row.format(ref) for ref in refused + accepted)

    result = runner.invoke(args=["caseload", "import", write(tmp_path, csv_text)])

    assert result.exit_code == 1
    for line, ref in enumerate(refused, start=2):
        assert f"line {line}: child_ref {ref!r} cannot be part of the child's page address" in result.output
    assert "Imported 3 rows (3 children added, 0 updated)" in result.output
    runner.invoke(args=["users", "create", "--email", "asha@norfolk.test", "--role", "practitioner",
                        "--team", "Norwich", "--password-stdin"], input=PASSWORD + "\n")
    auth.sign_in("asha@norfolk.test")
    for ref in accepted:
        assert client.get(f"/children/{ref}").status_code == 200, ref
