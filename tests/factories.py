"""Small typed factories. Every user has the same strong password unless told otherwise."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.models import Role, User

PASSWORD = "correct horse battery staple"


@dataclass
class Person:
    user: User
    email: str
    password: str = PASSWORD

    @property
    def id(self) -> uuid.UUID:
        return self.user.id


def make_user(session: Session, role: str | Role = Role.patient, *, email: str | None = None,
              password: str = PASSWORD, name: str | None = None) -> Person:
    email = email or f"{Role(role).value}-{uuid.uuid4().hex[:10]}@example.org"
    user = accounts.create_user(session, role=Role(role), email=email, password=password,
                                display_name=name, consent=Role(role) == Role.patient)
    session.commit()
    return Person(user=user, email=email, password=password)


def assign(session: Session, patient: Person, clinician: Person) -> None:
    accounts.assign(session, patient.user, clinician.user)
    session.commit()


def api_token(client: TestClient, person: Person) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": person.email, "password": person.password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def csrf_from(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def browser_login(client: TestClient, person: Person) -> None:
    page = client.get("/login")
    r = client.post("/login", data={"email": person.email, "password": person.password,
                                    "csrf_token": csrf_from(page.text), "next": "/"}, follow_redirects=False)
    assert r.status_code == 303, r.text


def form_post(client: TestClient, page_url: str, action: str, data: dict, **kw):  # type: ignore[no-untyped-def]
    """GET the page (for its CSRF token), then POST the form."""
    page = client.get(page_url)
    return client.post(action, data={"csrf_token": csrf_from(page.text), **data}, **kw)
