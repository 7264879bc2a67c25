"""Security item 31: throttling per client address across accounts; one client's failures do
not lock another client out of the same account; the sign-in page says when to retry."""

from __future__ import annotations

import pytest

from app.accounts import service as accounts
from app.errors import TooManyRequests
from tests.factories import PASSWORD, csrf_from, make_user


def _try(session, email: str, password: str, client: str):  # type: ignore[no-untyped-def]
    try:
        user = accounts.authenticate(session, email, password, client)
    finally:
        session.commit()
    return user


def test_many_accounts_from_one_address_are_throttled(session, frozen_clock):
    people = [make_user(session, "patient") for _ in range(3)]
    emails = [p.email for p in people] + [f"nobody{i}@example.org" for i in range(27)]
    refused = 0
    for email in emails:  # 30 accounts, one wrong guess each, from one address
        try:
            assert _try(session, email, "wrong guess here", "203.0.113.9") is None
        except TooManyRequests:
            refused += 1
    assert refused >= 15, "one address trying thirty accounts must be slowed down"
    # ...even with the right password, while that address is in backoff
    with pytest.raises(TooManyRequests):
        _try(session, people[0].email, PASSWORD, "203.0.113.9")
    # another address is not affected
    assert _try(session, people[0].email, PASSWORD, "198.51.100.7") is not None


def test_attackers_failures_do_not_lock_the_owner_out(session, frozen_clock):
    clinician = make_user(session, "clinician")
    for _ in range(8):
        try:
            _try(session, clinician.email, "attacker guess", "203.0.113.66")
        except TooManyRequests:
            pass
    with pytest.raises(TooManyRequests):
        _try(session, clinician.email, "attacker guess", "203.0.113.66")
    user = _try(session, clinician.email, PASSWORD, "192.0.2.10")  # the clinician, at work
    assert user is not None and user.id == clinician.id


def test_sign_in_page_says_when_to_retry(client, session):
    person = make_user(session, "patient")
    last = None
    for _ in range(6):
        page = client.get("/login")
        last = client.post("/login", data={"email": person.email, "password": "not it at all",
                                           "csrf_token": csrf_from(page.text)})
    assert last.status_code == 429
    assert "Please wait" in last.text and "try again" in last.text
    assert int(last.headers["Retry-After"]) > 0
