"""`icbt erase --patient EMAIL`: carry out a patient's erasure (security.md item 35)."""

from __future__ import annotations

import argparse
import sys

from app.cli import _boot, _session, command


def _args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--patient", required=True, help="the patient's e-mail address")
    p.add_argument("--yes", action="store_true", help="do not ask to type the address again")


@command("erase", "erase a patient: destroy their data key and remove every row about them", _args)
def cmd_erase(ns: argparse.Namespace) -> int:
    from app.accounts import service as accounts
    from app.accounts.models import Role
    from app.audit import service as audit
    from app.privacy import erasure

    _boot()
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
