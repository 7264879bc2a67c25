"""security.md item 1: no plaintext at rest.

A unique canary string goes through every free-text field a person can type into, in a real
browser, on a server of its own. The canary must read back through the app (so the test
cannot pass by storing nothing), and then, with the server SIGKILLed (its SQLite WAL left as
it was, not checkpointed), appear nowhere: not in the database files (.db, -wal, -shm), not
in the server's log, not in the outbox, not in any e-mail received. Searched as UTF-8,
UTF-16, lower and upper case, hex, and base64 at every alignment.

(No axe checks here: the journeys do those. The canary's 40-character words are not what a
page's layout is tested with, and this gate should fail only for plaintext.)"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
import shutil
import sqlite3
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, Journey, LiveServer, Mailbox, make_live_server, sign_in
from tests.e2e.test_crisis_journey import CRISIS_PHQ9, answer_phq9

SAFETY_FIELDS = ["1. My warning signs", "2. Things I can do on my own", "3. People and places that help me feel better",
                 "4. People I can ask for help", "5. Professionals and crisis lines", "6. Making my surroundings safer",
                 "7. What matters most to me"]


def variants(secret: str) -> dict[str, bytes]:
    """The byte patterns under which `secret` could be sitting in a file."""
    out: dict[str, bytes] = {}
    for case, s in (("as typed", secret), ("lower", secret.lower()), ("upper", secret.upper())):
        out[f"utf-8 {case}"] = s.encode()
        out[f"utf-16-le {case}"] = s.encode("utf-16-le")
        out[f"utf-16-be {case}"] = s.encode("utf-16-be")
        out[f"hex {case}"] = binascii.hexlify(s.encode())
    raw = secret.encode()
    for shift in range(3):
        # base64 of the secret starting at each alignment; the middle of the encoding is stable
        enc = base64.b64encode(b"\0" * shift + raw)
        start = 4 if shift else 0
        out[f"base64 shift {shift}"] = enc[start:len(enc) - 4]
    return out


def hits(blob: bytes, secret: str) -> list[str]:
    return [name for name, pattern in variants(secret).items() if pattern in blob]


def decoded_forms(value: bytes) -> list[bytes]:
    """A stored value and what it decodes to, if it is base64 or quoted-printable."""
    out = [value]
    try:
        out.append(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError):
        pass
    try:
        out.append(quopri.decodestring(value))
    except (binascii.Error, ValueError):
        pass
    return out


@pytest.fixture
def canary_server(tmp_path: Path, mailbox: Mailbox):
    server = make_live_server(tmp_path / "canary", mailbox)
    server.start()
    yield server
    server.stop()


def test_canary_is_stored_nowhere_in_plaintext(browser, canary_server: LiveServer, mailbox: Mailbox, shots):
    server = canary_server
    base = server.url
    canary = f"CANARY-{uuid.uuid4().hex}"
    token = canary.split("-", 1)[1]            # the unique part, searched on its own as well
    # the patient's e-mail address is typed too (sign-up and a failed sign-in): encrypted at rest
    patient_email = f"canary{uuid.uuid4().hex}@example.org"
    email_token = patient_email.split("@")[0]
    staff = {"clinician": f"doc-{uuid.uuid4().hex[:8]}@example.org", "admin": f"admin-{uuid.uuid4().hex[:8]}@example.org"}
    server.create_user("clinician", staff["clinician"], "Dr Canary Test")
    server.create_user("admin", staff["admin"], "Admin Canary Test")
    mails_before = len(mailbox.raw)

    def c(field: str) -> str:
        return f"{canary} {field}"

    # ---------------------------------------------------------------- the patient, on a phone
    ctx = browser.new_context(viewport=PHONE)
    page = ctx.new_page()
    j = Journey(page, base, shots, who="patient", audit=False)
    j.goto("/login")
    page.get_by_label("Email address").fill(patient_email)   # a failed sign-in: the log must not keep it
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".error-summary, .field-error").first).to_be_visible()
    j.check()

    j.goto("/register?safe=yes")
    page.get_by_label("Email address").fill(patient_email)
    page.get_by_label("What should we call you? (optional)").fill(c("name")[:80])
    page.get_by_label("Choose a password").fill("correct horse battery staple")
    page.get_by_label("Your phone number").fill("07911 123456")
    page.get_by_label("Date of birth").fill("1990-04-23")
    page.get_by_label("I have read and agree").check()
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    j.check()
    j.goto("/login")
    sign_in(page, base, patient_email)
    expect(page.get_by_role("heading", name=re.compile("Hello, CANARY-"))).to_be_visible()
    j.check()
    server.assign(patient_email, staff["clinician"])

    # diary: the note and the activities are free text (feelings are a fixed list)
    j.goto("/diary")
    page.get_by_role("group", name="How is your mood right now?").get_by_label("3", exact=True).check()
    page.get_by_text("Add more details").click()
    page.get_by_label("Note").fill(c("diary note"))
    page.get_by_label("What did you do?").fill(f"{canary}-walk, {canary}-cooked")
    page.get_by_role("button", name="Save entry").click()
    expect(page).to_have_url(re.compile(r"/diary\?saved="))
    j.check("diary")
    # a form sent back with an error (no mood chosen): nothing stored, and nothing logged either
    page.get_by_text("Add more details").click()
    page.get_by_label("Note").fill(c("refused diary note"))
    page.get_by_role("button", name="Save entry").click()
    expect(page.locator(".error-summary")).to_be_visible()
    j.check()
    # the JSON API: one entry stored, one refused (mood out of range)
    with httpx.Client(base_url=base, timeout=30) as api:
        r = api.post("/api/v1/auth/token", data={"username": patient_email, "password": "correct horse battery staple"})
        api.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        r = api.post("/api/v1/diary", json={"mood": 4, "emotions": [], "note": c("api note"), "activities": [f"{canary}-api"]})
        assert r.status_code == 201, r.text
        assert api.get(f"/api/v1/diary/{r.json()['id']}").json()["note"] == c("api note")
        r = api.post("/api/v1/diary", json={"mood": 11, "emotions": [], "note": c("refused api note")})
        assert r.status_code == 422, r.text

    # homework: every text field of both module 1 exercises, including a rows field
    j.goto("/homework/thought-record-starter")
    page.get_by_label("What was happening?").fill(c("situation"))
    page.get_by_label("What went through your mind?").fill(c("thoughts"))
    for i in (1, 2):
        row = page.get_by_role("group", name=f"What did you feel?: Row {i}")
        row.get_by_label("Emotion").fill(f"{canary}-emo{i}")
        row.get_by_label("How strong was it?").fill(str(40 + i))
    page.get_by_label("What did you notice in your body?").fill(c("body"))
    page.get_by_label("What did you do?").fill(c("actions"))
    page.get_by_role("button", name="Save and finish").click()
    expect(page).to_have_url(re.compile("/workbook"))
    j.check()
    j.goto("/homework/my-hopes")
    page.get_by_label("What would you like to be different in your life?").fill(c("hopes"))
    page.get_by_label("What would be one small sign that things were getting a bit better?").fill(c("sign"))
    page.get_by_label("Sleep", exact=True).check()
    page.get_by_role("button", name="Save draft").click()      # drafts are stored too
    expect(page).to_have_url(re.compile(r"/homework/entries/"))
    j.check()

    # the safety plan: all seven sections
    j.goto("/safety-plan/edit")
    for label in SAFETY_FIELDS:
        page.get_by_label(label, exact=True).fill(c(f"safety {label[:1]}"))
    page.get_by_role("button", name="Save my safety plan").click()
    expect(page).to_have_url(re.compile(r"/safety-plan\?notice=saved"))
    j.check("safety-plan")

    # a check-in that raises an alert (for the clinician's notes below)
    j.goto("/checkins/phq9")
    answer_phq9(page, CRISIS_PHQ9)
    page.get_by_role("button", name="See my result").click()
    expect(page).to_have_url(re.compile(r"/checkins/results/"))
    j.check()

    # ---- read back, as the patient
    j.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(canary)
    j.goto("/diary/entries")
    expect(page.get_by_role("main")).to_contain_text(c("diary note"))
    expect(page.get_by_role("main")).to_contain_text(f"{canary}-cooked")
    j.goto("/workbook/print")
    main = page.get_by_role("main")
    for f in ("situation", "thoughts", "body", "actions", "hopes", "sign"):
        expect(main).to_contain_text(c(f))
    expect(main).to_contain_text(f"{canary}-emo2")
    j.goto("/safety-plan")
    for label in SAFETY_FIELDS:
        expect(page.get_by_role("main")).to_contain_text(c(f"safety {label[:1]}"))
    j.done()
    ctx.close()

    # the forgotten-password form takes an e-mail address too (signed out): a reset link is sent
    ctx = browser.new_context(viewport=PHONE)
    page = ctx.new_page()
    page.goto(base + "/forgot-password")
    page.get_by_label("Email address").fill(patient_email)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("status")).to_be_visible()
    ctx.close()

    # ---------------------------------------------------------------- the clinician: alert notes
    ctx = browser.new_context(viewport=DESKTOP)
    page = ctx.new_page()
    j = Journey(page, base, shots, who="clinician", audit=False)
    j.goto("/login")
    sign_in(page, base, staff["clinician"])
    expect(page.get_by_role("heading", name="My patients")).to_be_visible()
    j.check()
    j.goto("/clinician/alerts")
    card = page.locator("main li.card").first
    if card.get_by_role("link", name="Open to acknowledge").count():   # urgent/emergency: on its own page (issue 12)
        card.get_by_role("link", name="Open to acknowledge").click()
        j.check()
        card = page.get_by_role("main")
        card.get_by_label("Contacted the patient", exact=True).check()
    else:                                            # acknowledged from the inbox's own form
        opener = card.locator("summary", has_text="note")   # the note may sit behind a disclosure
        if opener.count():
            opener.first.click()
    card.get_by_label(re.compile(r"^Note")).fill(c("acknowledgement note"))
    card.get_by_role("button", name="Acknowledge").click()
    if "/clinician/alerts/" in page.url:
        j.check()
        j.goto("/clinician/alerts")
    expect(page.get_by_role("main")).to_contain_text("No alerts are waiting")
    j.check()
    j.goto("/clinician/alerts?status=all")
    page.locator("main li.card h2 a").first.click()
    expect(page).to_have_url(re.compile(r"/clinician/alerts/[0-9a-f-]+$"))
    expect(page.get_by_role("main")).to_contain_text(c("acknowledgement note"))
    j.check()
    page.get_by_label(re.compile(r"^Note")).fill(c("resolution note"))
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_role("main")).to_contain_text(c("resolution note"))
    j.check()
    # the patient's record, decrypted for their clinician
    page.get_by_role("link", name=re.compile("CANARY-")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(canary)
    for text in (c("diary note"), c("safety 1")):
        expect(page.get_by_role("main")).to_contain_text(text)
    j.check("patient-record")
    j.done()
    ctx.close()

    # ---------------------------------------------------------------- the admin: a new account's name
    ctx = browser.new_context(viewport=DESKTOP)
    page = ctx.new_page()
    j = Journey(page, base, shots, who="admin", audit=False)
    j.goto("/login")
    sign_in(page, base, staff["admin"])
    expect(page).to_have_url(re.compile("/admin"))
    j.check()
    j.goto("/admin/users/new")
    invited = f"invited-{uuid.uuid4().hex[:8]}@example.org"
    page.get_by_label("Patient (invited by the clinic)").check()
    page.get_by_label("Email address").fill(invited)
    page.get_by_label("Name (optional)").fill(c("admin-made name")[:80])
    page.get_by_role("button", name="Create the account").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(canary)
    j.check("admin-user")
    j.done()
    ctx.close()

    # ---------------------------------------------------------------- stop without a checkpoint
    mailbox.wait_for(staff["clinician"], timeout=30)   # the alert
    mailbox.wait_for(invited, timeout=30)              # the invitation
    mailbox.wait_for(patient_email, timeout=30)        # the password reset link
    server.stop(kill=True)                             # SIGKILL: the WAL stays as it was
    files = {p.name: p for p in sorted(server.dir.iterdir()) if p.name.startswith("live.db")}
    assert {"live.db", "live.db-wal", "live.db-shm"} <= set(files), f"expected the WAL files: {list(files)}"
    assert files["live.db-wal"].stat().st_size > 0, "the WAL is empty: everything was checkpointed"

    problems: list[str] = []
    secrets = {"canary": canary, "canary token": token, "patient e-mail": email_token}
    sources: dict[str, bytes] = {name: p.read_bytes() for name, p in files.items()}
    sources["server.log"] = server.log.read_bytes()
    for i, raw in enumerate(mailbox.raw[mails_before:]):
        sources[f"e-mail {i}"] = raw
    for i, msg in enumerate(mailbox.messages[mails_before:]):
        for part in msg.walk():
            if not part.is_multipart():
                sources[f"e-mail {i} decoded part"] = part.get_payload(decode=True) or b""
        sources[f"e-mail {i} headers"] = "\n".join(f"{k}: {v}" for k, v in msg.items()).encode()
    assert sources["server.log"], "the server log is empty: nothing to search"
    for where, blob in sources.items():
        for what, secret in secrets.items():
            if where.startswith("e-mail") and what == "patient e-mail":
                continue  # the reset link's e-mail is addressed to the patient, of course
            for how in hits(blob, secret):
                problems.append(f"{what} in {where} ({how})")

    # the outbox (and every other table), value by value, base64 and quoted-printable decoded
    copy = server.dir / "copy"
    copy.mkdir()
    for name, p in files.items():
        shutil.copy(p, copy / name)
    db = sqlite3.connect(copy / "live.db")
    try:
        outbox = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
        assert outbox >= 3, f"the outbox should hold the alert, the invitation and the reset link, has {outbox}"
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - names from sqlite_master
                for value in row:
                    if isinstance(value, str):
                        value = value.encode()
                    if not isinstance(value, bytes):
                        continue
                    for form in decoded_forms(value):
                        for what, secret in secrets.items():
                            for how in hits(form, secret):
                                problems.append(f"{what} in table {table} ({how})")
    finally:
        db.close()

    assert not problems, f"plaintext found: {sorted(set(problems))}"
