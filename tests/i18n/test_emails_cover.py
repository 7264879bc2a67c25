"""Every place in app/ that queues an e-mail has a language test (test_emails_*.py): a new one
fails here until it is written in its recipient's language and tested in Spanish and English."""

from __future__ import annotations

import re

from app.config import ROOT

#: file -> how many `mail.enqueue(` calls it has, each covered by a test in test_emails_*.py
COVERED = {
    "app/accounts/reset.py": 2,        # password_reset, invitation
    "app/accounts/signup.py": 2,       # account_exists, account_confirm / account_welcome
    "app/alerts/delivery.py": 1,       # alert (assigned, on-call, fallback, escalation)
    "app/guided/service.py": 1,        # feedback_notice
    "app/messages/service.py": 1,      # message_notice, reminder_message (also the review's reply)
    "app/monitoring/scheduled.py": 1,  # reminder_* (weekly summary included)
    "app/privacy/service.py": 4,       # email_change_confirm, _taken, _notice, email_changed
}


def test_every_mail_call_site_has_a_language_test() -> None:
    found = {}
    for path in sorted((ROOT / "app").rglob("*.py")):
        n = len(re.findall(r"\bmail\.enqueue\(", path.read_text(encoding="utf-8")))
        if n:
            found[str(path.relative_to(ROOT))] = n
    assert found == COVERED, ("a mail was added or moved: write it inside i18n.using(i18n.for_account(...)), "
                              "test it in tests/i18n/test_emails_*.py, then update COVERED")
