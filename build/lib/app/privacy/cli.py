"""`icbt erase --patient EMAIL`: carry out a patient's erasure (security.md item 35)."""

from __future__ import annotations

import argparse
import sys

from app.cli import _boot, _session, command


def _args(p: argparse.ArgumentParser) -> None:
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--patient", help="the patient's e-mail address")
    which.add_argument("--replay", action="store_true",
                       help="after restoring a backup: erase again everyone the audit log says was erased")
    p.add_argument("--yes", action="store_true", help="do not ask to type the address again")


def _replay() -> int:
    from sqlalchemy import select

    from app.accounts.models import User
    from app.audit.models import AuditEvent
    from app.privacy import erasure

    n = 0
    with _session() as s:
        ids = set(s.scalars(select(AuditEvent.patient_id).where(AuditEvent.action == "patient.erase")))
        for user in s.scalars(select(User).where(User.id.in_(ids))).all():
            erasure.erase_patient(s, user, actor=None)
            n += 1
        left = [pid for pid in ids if list(erasure.references(s, pid))]
        if left:
            s.rollback()
            print(f"not erased: rows still refer to {len(left)} erased patients", file=sys.stderr)
            return 1
        s.commit()
    print(f"{len(ids)} erasures in the audit log; {n} patients were back (from a backup) and are erased again")
    return 0


@command("erase", "erase a patient: destroy their data key and remove every row about them", _args)
def cmd_erase(ns: argparse.Namespace) -> int:
    from app.accounts import service as accounts
    from app.accounts.models import Role
    from app.audit import service as audit
    from app.privacy import erasure

    _boot()
    if ns.replay:
        return _replay()
    with _session() as s:
        patient = accounts.find_by_email(s, ns.patient)
        if patient is None or patient.role != Role.patient:
            print(f"no patient with email {ns.patient}", file=sys.stderr)
            return 1
        asked = erasure.pending_request(s, patient.id) is not None
        if not ns.yes:
            typed = input(f"This cannot be undone. Type the address again to erase {ns.patient}: ")
            if accounts.normalise_email(typed) != accounts.normalise_email(ns.patient):
                print("not erased: the address did not match", file=sys.stderr)
                return 1
        report = erasure.erase_patient(s, patient, actor=None)
        left = list(erasure.references(s, report.patient_id))
        if left:
            s.rollback()
            print("not erased: rows still refer to the patient in " + ", ".join(f"{t}.{c}" for t, c in left),
                  file=sys.stderr)
            return 1
        s.commit()
        chain = audit.verify(s)
    detail = ", ".join(f"{t} {n}" for t, n in sorted(report.rows_removed.items()))
    print(f"erased patient {report.patient_id} ({'on their request' if asked else 'no request on file'}): "
          f"data key destroyed, {report.total} rows removed ({detail}); {chain.message}")
    return 0
