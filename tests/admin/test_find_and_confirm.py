"""The admin user list: search (names and e-mails are encrypted: a whole address by its keyed
hash, part of one by decrypting the newest accounts), the "waiting for a clinician" filter,
and one more step before an account is disabled (no JavaScript: a confirmation page)."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.accounts import service as accounts
from app.accounts.models import Role, User
from app.admin import search
from app.audit.models import AuditEvent
from tests.factories import browser_login, csrf_from, form_post, make_user


def _admin(client, session):  # type: ignore[no-untyped-def]
    admin = make_user(session, Role.admin, name="Ada Admin")
    browser_login(client, admin)
    return admin


def _names(html: str) -> set[str]:
    return set(re.findall(r'<a href="/admin/users/[^"]+"><strong>([^<]+)</strong></a>', html))


def test_search_by_part_of_a_name_or_address_and_by_whole_address(client, session):
    _admin(client, session)
    a = make_user(session, name="Harriet Oduya", email="h.oduya@example.org")
    b = make_user(session, name="Harry Stone", email="stone-h@example.net")
    c = make_user(session, Role.clinician, name="Dr Mel Brook", email="mel@clinic.example")
    assert _names(client.get("/admin?q=harr").text) == {"Harriet Oduya", "Harry Stone"}   # any case
    assert _names(client.get("/admin?q=ODUYA").text) == {"Harriet Oduya"}
    assert _names(client.get("/admin?q=example.net").text) == {"Harry Stone"}              # part of an address
    assert _names(client.get("/admin?q=harry+stone").text) == {"Harry Stone"}              # every word
    assert _names(client.get("/admin?q=harr&role=clinician").text) == set()                # with the role filter
    assert _names(client.get("/admin?q=brook&role=clinician").text) == {"Dr Mel Brook"}
    # a whole address: the keyed-hash lookup (any case, extra spaces), nothing else listed
    r = client.get("/admin", params={"q": "  MEL@clinic.example "})
    assert _names(r.text) == {"Dr Mel Brook"} and 'value="MEL@clinic.example"' in r.text
    assert _names(client.get("/admin?q=nobody@example.org").text) == set()
    none = client.get("/admin?q=zzzz")
    assert "No account matches “zzzz”" in none.text and "1 account" not in none.text
    assert client.get("/admin?q=<b>x</b>").text.count("<b>x</b>") == 0  # shown as text
    # the search words are not written to the audit log; that a search happened is
    session.expire_all()
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "admin.users.search")).all()
    assert len(events) >= 8
    assert all("harr" not in repr(vars(e)).lower() for e in events)


def test_part_word_search_says_when_older_accounts_were_not_searched(client, session, monkeypatch):
    _admin(client, session)
    for i in range(4):
        make_user(session, name=f"Quinn {i}")
    monkeypatch.setattr(search, "SCAN_LIMIT", 3)
    r = client.get("/admin?q=quinn")
    assert len(_names(r.text)) == 3 and "Only the newest 3 accounts were searched" in r.text
    full = accounts.email_of(session, session.scalars(select(User).where(User.role == Role.patient)
                                                       .order_by(User.created_at)).first())
    r = client.get("/admin", params={"q": full})  # a whole address reaches every account
    assert len(_names(r.text)) == 1 and "Only the newest" not in r.text


def test_waiting_for_a_clinician_lists_active_patients_without_one(client, session):
    _admin(client, session)
    waiting = make_user(session, name="Wendy Waiting")
    looked_after = make_user(session, name="Lou Looked-after")
    disabled = make_user(session, name="Dee Disabled")
    clin = make_user(session, Role.clinician, name="Dr Kim")
    accounts.assign(session, looked_after.user, clin.user)
    disabled.user.is_active = False
    session.commit()
    r = client.get("/admin?unassigned=1")
    assert r.status_code == 200 and _names(r.text) == {"Wendy Waiting"}
    assert '<strong aria-current="page">Patients waiting for a clinician</strong>' in r.text
    assert _names(client.get("/admin?unassigned=1&q=wendy").text) == {"Wendy Waiting"}
    assert _names(client.get("/admin?unassigned=1&q=lou").text) == set()
    accounts.assign(session, waiting.user, clin.user)
    session.commit()
    assert "Every active patient has a clinician." in client.get("/admin?unassigned=1").text


def test_pages_keep_the_search_and_filter(client, session, monkeypatch):
    _admin(client, session)
    from app.admin import service
    monkeypatch.setattr(service, "PAGE_SIZE", 2)
    for i in range(3):
        make_user(session, name=f"Page Person {i}")
    r = client.get("/admin?q=page+person")
    assert "page 1 of 2" in r.text and 'href="/admin?page=2&amp;q=page+person">Next page' in r.text
    r2 = client.get("/admin?page=2&q=page+person")
    assert len(_names(r2.text)) == 1 and "Previous page" in r2.text
    r3 = client.get("/admin?unassigned=1")
    assert 'href="/admin?unassigned=1&amp;page=2">Next page' in r3.text


def test_disabling_asks_first_and_changes_nothing_until_confirmed(client, anon_client, session):
    _admin(client, session)
    p = make_user(session, name="Cal Careful")
    browser_login(anon_client, p)
    detail = client.get(f"/admin/users/{p.id}")
    assert f'href="/admin/users/{p.id}/disable"' in detail.text
    assert 'name="active" value="no"' not in detail.text  # no one-click disable
    page = client.get(f"/admin/users/{p.id}/disable")
    assert page.status_code == 200 and "Disable this account?" in page.text and "Cal Careful" in page.text
    assert "Yes, disable the account" in page.text and f'href="/admin/users/{p.id}">No, keep it active' in page.text
    # a post without the confirmation (an old form, a stray request) only shows the question
    r = client.post(f"/admin/users/{p.id}/active", data={"csrf_token": csrf_from(page.text), "active": "no"},
                    follow_redirects=False)
    assert r.status_code == 200 and "Disable this account?" in r.text
    session.expire_all()
    assert session.get(User, p.id).is_active and anon_client.get("/account").status_code == 200
    r = client.post(f"/admin/users/{p.id}/active", data={"csrf_token": csrf_from(page.text), "active": "no",
                                                         "confirm": "yes"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("notice=disabled")
    session.expire_all()
    assert not session.get(User, p.id).is_active
    assert anon_client.get("/account", follow_redirects=False).status_code == 303
    # a disabled account's confirmation page goes back to the account page
    assert client.get(f"/admin/users/{p.id}/disable", follow_redirects=False).status_code == 303
    form_post(client, f"/admin/users/{p.id}", f"/admin/users/{p.id}/active", {"active": "yes"})
    session.expire_all()
    assert session.get(User, p.id).is_active
