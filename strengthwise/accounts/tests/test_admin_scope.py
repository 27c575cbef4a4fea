"""The agency admin manages their own agency's programs, teams and staff in the Django admin
(issue 12: they got 403 on every page though the README sent them there) — and nothing else."""

from __future__ import annotations

from strengthwise.accounts.models import Program, User

NEW = "a long new password 2026"


def test_the_agency_admin_reaches_their_own_agency_only(personas, web):
    admin = web(personas.admin)
    programs = admin.get("/admin/accounts/program/")
    assert programs.status_code == 200
    html = programs.content.decode()
    assert personas.housing_program.name in html
    eastgate = Program.objects.filter(agency=personas.eastgate).first()
    assert eastgate is not None and eastgate.name not in html
    other = admin.get(f"/admin/accounts/program/{eastgate.pk}/change/")
    assert other.status_code != 200  # another agency's program is not there for them
    users = admin.get("/admin/accounts/user/").content.decode()
    assert ">carol<" in users and ">mallory<" not in users
    assert admin.get("/admin/people/client/").status_code in (403, 404)  # no client records


def test_the_agency_admin_changes_a_program_and_resets_a_password(personas, web):
    admin = web(personas.admin)
    program = personas.housing_program
    page = admin.get(f"/admin/accounts/program/{program.pk}/change/")
    assert page.status_code == 200 and 'name="agency"' not in page.content.decode()
    reset = admin.post(
        f"/admin/accounts/user/{personas.carol.pk}/password/",
        {"password1": NEW, "password2": NEW, "usable_password": "true"},
    )
    assert reset.status_code == 302
    personas.carol.refresh_from_db()
    assert personas.carol.check_password(NEW)


def test_the_agency_admin_never_grants_superuser_or_staff_rights(personas, web):
    admin = web(personas.admin)
    carol = personas.carol
    page = admin.get(f"/admin/accounts/user/{carol.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page and 'name="is_staff"' not in page
    assert 'name="user_permissions"' not in page and 'name="agency"' not in page
    admin.post(
        f"/admin/accounts/user/{carol.pk}/change/",
        {
            "username": "carol",
            "first_name": carol.first_name,
            "last_name": carol.last_name,
            "display_name": carol.display_name,
            "email": carol.email,
            "role": "worker",
            "is_active": "on",
            "is_superuser": "on",
            "is_staff": "on",
        },
    )
    carol.refresh_from_db()
    assert not carol.is_superuser and not carol.is_staff
    assert User.objects.get(username="admin").is_superuser is False


def test_other_roles_do_not_reach_the_admin(personas, web):
    for who in (personas.carol, personas.priya, personas.mallory):
        assert web(who).get("/admin/accounts/program/").status_code == 302  # to sign in
