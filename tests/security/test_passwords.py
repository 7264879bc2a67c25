"""security.md items 8-10: password hashing, no account enumeration, backoff."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from passlib.hash import argon2
from sqlalchemy import select

from app.accounts import service as accounts
from app.accounts.models import LoginThrottle, User
from app.audit.models import AuditEvent
from app.security import passwords
from tests.factories import csrf_from, make_user

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def argon2_params(h: str) -> tuple[str, int, int]:
    m = re.match(r"^\$(argon2id)\$v=19\$m=(\d+),t=(\d+),p=\d+\$", h)
    assert m, f"not an argon2id hash: {h[:30]}"
    return m.group(1), int(m.group(2)), int(m.group(3))


def token(client, email: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/auth/token", data={"username": email, "password": password})


def page_login(client, email: str, password: str):  # type: ignore[no-untyped-def]
    page = client.get("/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
                       follow_redirects=False)


# ---------------------------------------------------------------- item 8


def test_new_hashes_are_argon2id_at_owasp_parameters(session):
    p = make_user(session)
    kind, m, t = argon2_params(p.user.password_hash)
    assert kind == "argon2id" and m >= 19456 and t >= 2


@pytest.mark.parametrize("legacy", [
    argon2.using(type="ID", memory_cost=1024, rounds=1, parallelism=1),   # weaker argon2id
    argon2.using(type="I", memory_cost=19456, rounds=2, parallelism=1),   # argon2i
])
def test_legacy_hash_is_upgraded_at_sign_in(client, session, legacy):
    p = make_user(session)
    session.get(User, p.id).password_hash = legacy.hash(p.password)
    session.commit()
    assert token(client, p.email, p.password).status_code == 200
    session.expire_all()
    kind, m, t = argon2_params(session.get(User, p.id).password_hash)
    assert kind == "argon2id" and m >= 19456 and t >= 2


def test_unknown_hash_scheme_fails_closed_not_500(client, session):
    p = make_user(session)
    session.get(User, p.id).password_hash = "$2b$12$abcdefghijklmnopqrstuu" + "a" * 31  # bcrypt, backend may be absent
    session.commit()
    r = token(client, p.email, p.password)
    assert r.status_code in (200, 401)


# ---------------------------------------------------------------- item 9


def _scrub(text: str, *emails: str) -> str:
    for e in emails:
        text = text.replace(e, "EMAIL")
    return text


def test_unknown_email_and_wrong_password_answer_the_same(client, session):
    p = make_user(session)
    unknown = "nobody-at-all@example.org"
    a, b = token(client, p.email, "wrong password here"), token(client, unknown, "wrong password here")
    assert a.status_code == b.status_code == 401
    assert a.json() == b.json() and a.headers.get("www-authenticate") == b.headers.get("www-authenticate")
    a, b = page_login(client, p.email, "wrong password here"), page_login(client, unknown, "wrong password here")
    assert a.status_code == b.status_code == 400
    assert _scrub(a.text, p.email) == _scrub(b.text, unknown)


def test_unknown_email_and_wrong_password_do_the_same_hashing_work(client, session, monkeypatch):
    """Counted, not timed (timings belong in bench/): a wrong password and an unknown e-mail
    each run exactly one argon2 verification, against a hash with the same parameters, so
    both take the same time whatever the machine is doing."""
    monkeypatch.setattr(accounts, "BACKOFF_FREE_FAILURES", 1000)  # count the check, not the backoff
    p = make_user(session)
    stored = session.get(User, p.id).password_hash
    params = stored.rsplit("$", 2)[0]  # $argon2id$v=19$m=...,t=...,p=...
    calls: list[str] = []
    ctx = passwords.pwd_context
    real_verify, real_update = ctx.verify, ctx.verify_and_update

    def verify(secret, hashed, *a, **kw):  # type: ignore[no-untyped-def]
        calls.append(hashed.rsplit("$", 2)[0])
        return real_verify(secret, hashed, *a, **kw)

    def verify_and_update(secret, hashed, *a, **kw):  # type: ignore[no-untyped-def]
        calls.append(hashed.rsplit("$", 2)[0])
        return real_update(secret, hashed, *a, **kw)

    monkeypatch.setattr(ctx, "verify", verify)
    monkeypatch.setattr(ctx, "verify_and_update", verify_and_update)
    for email in (p.email, "nobody-at-all@example.org", p.email.upper()):
        calls.clear()
        assert token(client, email, "wrong password 1x").status_code == 401
        assert calls == [params], (email, calls)


def test_disabled_account_answers_like_a_wrong_password(client, session):
    p = make_user(session)
    session.get(User, p.id).is_active = False
    session.commit()
    r = token(client, p.email, p.password)
    assert r.status_code == 401 and r.json()["error"] == "invalid_credentials"


# ---------------------------------------------------------------- item 10: backoff


def failures(session) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == "login.failed").order_by(AuditEvent.seq)))


def test_repeated_failures_back_off_and_are_audited(client, session, frozen_clock):
    p = make_user(session)
    for _ in range(accounts.BACKOFF_FREE_FAILURES):
        assert token(client, p.email, "not the password").status_code == 401
    # now in backoff: even the right password waits, with Retry-After
    r = token(client, p.email, p.password)
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    # the same address typed differently is the same account
    assert token(client, "  " + p.email.upper() + " ", p.password).status_code == 429
    r = page_login(client, p.email, p.password)
    assert r.status_code == 429 and "Too many attempts" in r.text
    evs = failures(session)
    assert len(evs) == accounts.BACKOFF_FREE_FAILURES
    assert all(e.actor_id == p.id and e.outcome == "failure" for e in evs)
    # the wait grows with each further failure
    frozen_clock(T0 + timedelta(seconds=3))
    assert token(client, p.email, "still wrong").status_code == 401
    r = token(client, p.email, p.password)
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 3
    # after the wait, the right password works and clears the count
    frozen_clock(T0 + timedelta(seconds=3 + accounts.backoff_seconds(accounts.BACKOFF_FREE_FAILURES + 1) + 1))
    assert token(client, p.email, p.password).status_code == 200
    session.expire_all()
    # the account's count for this client is cleared; the client's own count across accounts
    # (security item 31) is kept, so one good password does not reset an attacker's budget
    account_key, client_key = accounts.login_keys(p.email, "testclient")
    assert [t.key_hash for t in session.scalars(select(LoginThrottle))] == [client_key]


def test_unknown_address_backs_off_too(client, session, frozen_clock):
    """Otherwise the backoff itself would tell which addresses have accounts."""
    for _ in range(accounts.BACKOFF_FREE_FAILURES):
        assert token(client, "ghost@example.org", "whatever password").status_code == 401
    assert token(client, "ghost@example.org", "whatever password").status_code == 429
    assert len(failures(session)) == accounts.BACKOFF_FREE_FAILURES


def test_wrong_current_password_on_change_counts_towards_backoff(client, session, frozen_clock):
    from tests.factories import browser_login, form_post
    p = make_user(session)
    browser_login(client, p)
    for _ in range(accounts.BACKOFF_FREE_FAILURES):
        r = form_post(client, "/account", "/account/password",
                      {"current_password": "guess guess guess", "new_password": "another fine phrase"})
        assert r.status_code == 422
    r = form_post(client, "/account", "/account/password",
                  {"current_password": p.password, "new_password": "another fine phrase"})
    assert r.status_code == 429 and "Too many attempts" in r.text
    session.expire_all()
    assert passwords.pwd_context.verify(p.password, session.get(User, p.id).password_hash)


def test_concurrent_failures_for_a_new_address_are_all_counted(db):
    """Two first failures at once used to collide on the new counter row (500)."""
    key = "k" * 64
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def fail_once() -> None:
        s = db.session()
        try:
            barrier.wait()
            accounts.bump_counter(s, key)
            s.commit()
        except BaseException as e:  # noqa: BLE001
            errors.append(e)
        finally:
            s.close()

    threads = [threading.Thread(target=fail_once) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    s = db.session()
    assert s.get(LoginThrottle, key).failures == 4
    s.close()


# ---------------------------------------------------------------- policy


@pytest.mark.parametrize("pw,ok", [
    ("short9char", True), ("short", False), ("123456789", False), ("1234567890", False),
    ("qwertyuiop", False), ("PASSWORD123", False), ("all lower case words", True),
    ("x" * 257, False),
])
def test_password_policy_length_and_common_list_no_composition_rules(pw, ok):
    assert (passwords.password_problem(pw) is None) is ok


def test_common_list_is_substantial():
    assert len(passwords.common_passwords()) >= 1000
    assert all(len(p) >= 10 for p in passwords.common_passwords())


def test_password_cannot_be_the_email(session):
    assert passwords.password_problem("someone@example.org", email="someone@example.org")


# ---------------------------------------------------------------- machine-wide hash slots


def test_machine_slots_are_shared_by_every_process(tmp_path):
    """Two gates (as in two worker processes: flock conflicts between file descriptors, so two
    objects in one process behave as two processes) share one slot: the second waits, then is
    refused at its deadline, and gets the slot once the first lets go."""
    import time

    from app.security.passwords import MachineSlots

    worker_a, worker_b = MachineSlots(1, tmp_path), MachineSlots(1, tmp_path)
    held = worker_a.acquire(time.monotonic() + 1)
    assert held is not None
    t0 = time.monotonic()
    assert worker_b.acquire(time.monotonic() + 0.2) is None
    assert time.monotonic() - t0 >= 0.2          # it waited for its deadline, then gave up
    worker_a.release(held)
    again = worker_b.acquire(time.monotonic() + 1)
    assert again is not None
    worker_b.release(again)


def test_a_flood_keeps_to_the_machine_slots(tmp_path):
    """Sixteen threads hashing through two gates of two slots each (two workers) with one
    machine slot: never more than one hash at once."""
    import threading

    from app.security import passwords

    gates = [passwords.HashGate(2, queue=16, wait_seconds=30) for _ in range(2)]
    for g in gates:
        g._from_settings = True
        g.machine = passwords.MachineSlots(1, tmp_path)
    running, peak, lock = 0, 0, threading.Lock()
    real_hash = passwords.pwd_context.hash

    def counted(secret: str) -> str:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            return real_hash(secret)
        finally:
            with lock:
                running -= 1

    def work(gate) -> None:  # type: ignore[no-untyped-def]
        with gate.slot():
            counted("correct horse battery staple")

    threads = [threading.Thread(target=work, args=(gates[i % 2],)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert peak == 1


def test_hashing_in_many_threads_does_not_keep_its_memory():
    """A login flood hashes in whichever threads serve it; each argon2 hash takes 19 MiB. After
    48 hashes in 16 threads the process must not hold on to them (it grew by ~330 MB before
    passwords.return_large_blocks_to_the_os)."""
    import subprocess
    import sys

    code = """
import threading
from app.security import passwords
def rss():
    return int(next(l for l in open('/proc/self/status') if l.startswith('VmRSS')).split()[1])
passwords.return_large_blocks_to_the_os()
before = rss()
sem = threading.Semaphore(2)
def work():
    for _ in range(3):
        with sem:
            passwords.pwd_context.hash('correct horse battery staple')
ts = [threading.Thread(target=work) for _ in range(16)]
[t.start() for t in ts]; [t.join() for t in ts]
print(rss() - before)
"""
    grown_kb = int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert grown_kb < 100 * 1024, f"the process kept {grown_kb // 1024} MB after hashing"
