from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from app.accounts import reset, service, signup
from app.accounts.dependencies import PageUser, PageUserOptional
from app.accounts.models import Role, User
from app.accounts.schemas import EMAIL_PATTERN
from app.config import get_settings
from app.db import SessionDep
from app.errors import InvalidInput, TooManyRequests
from app.security import sessions
from app.web import redirect, render
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

router = APIRouter(include_in_schema=False)

NOTICES = {
    "signed-out": N_("You have signed out."),
    "password-changed": N_("Your password has been changed. Please sign in again."),
    "sessions-revoked": N_("You have been signed out everywhere else."),
    "password-reset": N_("Your password has been reset. You can sign in now."),
    "password-set": N_("Your password is set. You can sign in now."),
    "contact-saved": N_("Your contact details are saved."),
    "reminders-saved": N_("Your reminder choices are saved."),
    "email-confirmed": N_("Thank you: your e-mail address is confirmed. You can sign in now."),
    "language-saved": N_("Your language is saved."),
}


def _safe_next(nxt: str | None) -> str:
    """Only a path on this site: no scheme, host, backslash or control character."""
    if (not nxt or not nxt.startswith("/") or nxt.startswith("//") or "\\" in nxt
            or any(ord(c) < 0x20 or ord(c) == 0x7F for c in nxt) or urlparse(nxt).netloc):
        return "/"
    return nxt


def client_address(request: Request) -> str | None:
    """The client's address (behind the proxy, from X-Forwarded-For, which uvicorn trusts only
    from 127.0.0.1): what sign-in throttling counts per client."""
    return request.client.host if request.client else None


def start_browser_session(session: SessionDep, request: Request, user: User, to: str) -> Response:
    """A new session (new random id) for this browser; any session it presented is revoked."""
    previous = getattr(request.state, "auth_session", None)
    if previous is not None:
        sessions.revoke(session, previous)
    token, _ = sessions.create(session, user, "cookie", request.headers.get("user-agent"))
    resp = redirect(to)
    s = get_settings()
    resp.set_cookie(sessions.COOKIE_NAME, token, httponly=True, samesite="lax",
                    secure=s.env.value != "development", path="/",
                    max_age=s.session_absolute_hours * 3600)
    return resp


def home_for(user: User) -> str:
    return {Role.patient: "/", Role.clinician: "/clinician", Role.admin: "/admin"}[user.role]


@router.get("/login")
def login_form(request: Request, user: PageUserOptional, next: str | None = None,
               notice: str | None = None) -> Response:
    if request.query_params.get("not_safe"):   # from "I am not safe" after the session ended (issue 12)
        from app.safety import expired
        return expired.signin_page(request, request.query_params["not_safe"])
    if user is not None:
        return redirect(home_for(user))
    return render(request, "auth/login.html", {"next": _safe_next(next), "errors": {}, "email": "",
                                               "notice": NOTICES.get(notice or "")})


@router.post("/login")
def login(request: Request, session: SessionDep, email: Annotated[str, Form(max_length=254)] = "",
          password: Annotated[str, Form(max_length=256)] = "", next: Annotated[str, Form(max_length=500)] = "/",
          not_safe: Annotated[str, Form(max_length=20)] = "") -> Response:
    try:
        user = service.authenticate(session, email, password, client_address(request)) if email and password else None
    except signup.EmailNotConfirmed as e:
        return render(request, "auth/login.html", {"next": _safe_next(next), "email": email,
                      "errors": {"email": e.detail}}, status_code=403)
    except TooManyRequests as e:
        resp = render(request, "auth/login.html", {"next": _safe_next(next), "email": email,
                      "errors": {"email": e.detail}}, status_code=429)
        resp.headers.update(e.headers)
        return resp
    if user is None:
        session.commit()
        return render(request, "auth/login.html", {"next": _safe_next(next), "email": email,
                      "errors": {"email": "That email and password do not match an account."}}, status_code=400)
    target = _safe_next(next)
    if not_safe and user.role == Role.patient:   # signed in from the "I am not safe" page (issue 12)
        from app.monitoring import service as monitoring
        source = not_safe if not_safe in ("checkin", "diary") else "checkin"
        monitoring.report_not_safe(session, user, source)
        target = f"/not-safe?told=1&source={source}"
    else:
        from app.privacy.pages import consent_redirect  # a changed notice is accepted again first
        from app.contact.first_signin import next_step  # invited patients: safety question, phone
        target = consent_redirect(session, user, next_step(session, user)
                                  or (target if target != "/" else home_for(user)))
    return start_browser_session(session, request, user, target if target != "/" else home_for(user))


@router.post("/logout")
def logout(request: Request, session: SessionDep, user: PageUserOptional) -> Response:
    auth = request.state.auth_session
    if auth is not None:
        sessions.revoke(session, auth)
    resp = redirect("/login?notice=signed-out")
    resp.delete_cookie(sessions.COOKIE_NAME, path="/")
    return resp


@router.get("/register")
def register_form(request: Request, user: PageUserOptional, safe: str = "") -> Response:
    if user is not None:
        return redirect(home_for(user))
    if not get_settings().self_registration:
        return render(request, "auth/register.html", {"errors": {}, "form": {}, "open": False})
    if safe == "no":          # not safe right now: the help page, not a sign-up form (issue 12)
        return redirect("/help")
    if safe != "yes":
        return render(request, "auth/register_safe.html", {"page_title": _t('Before you start')})
    return render(request, "auth/register.html", {"errors": {}, "form": {}, "open": True})


@router.post("/register")
def register(request: Request, session: SessionDep,
             email: Annotated[str, Form(max_length=254)] = "",
             password: Annotated[str, Form(max_length=256)] = "",
             display_name: Annotated[str, Form(max_length=80)] = "",
             consent: Annotated[str, Form(max_length=10)] = "",
             phone: Annotated[str, Form(max_length=40)] = "",
             date_of_birth: Annotated[str, Form(max_length=20)] = "") -> Response:
    from app.contact import signup as joining
    form = {"email": email, "display_name": display_name, "phone": phone, "date_of_birth": date_of_birth,
            "consent": consent}
    if not get_settings().self_registration:
        return render(request, "auth/register.html", {"errors": {}, "form": form, "open": False}, status_code=403)
    errors, norm_phone, under_18 = joining.form_problems(
        email_ok=_looks_like_email(email), password=password, email=email, phone=phone, dob=date_of_birth,
        consent=consent)
    if under_18 and not errors:   # no account; nothing stored
        return render(request, "auth/register_under18.html", {"page_title": _t('Help for young people')})
    if not errors:
        try:
            signup.register(session, email=email, password=password, display_name=display_name, consent=True,
                            phone=norm_phone or phone)
        except InvalidInput as e:
            errors[e.field or "email"] = e.detail
        else:  # the same answer for a new and an existing address (security item 30)
            return redirect("/register/check-email")
    return render(request, "auth/register.html", {"errors": errors, "form": form, "open": True}, status_code=422)


@router.get("/register/check-email")
def register_sent(request: Request, user: PageUserOptional) -> Response:
    return render(request, "auth/register_sent.html", {"detail": signup.CHECK_EMAIL})


@router.get("/confirm-email/{token}")
def confirm_email(request: Request, session: SessionDep, user: PageUserOptional,
                  token: Annotated[str, Path(max_length=reset.TOKEN_MAX_LENGTH)]) -> Response:
    if signup.confirm_email(session, token) is None:
        return _link_invalid(request)
    return redirect("/login?notice=email-confirmed")


def device_label(user_agent: str | None, kind: str) -> str:
    """'Chrome on Android' rather than a raw User-Agent string."""
    ua = user_agent or ""
    browser = next((name for key, name in (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
                                           ("Chrome/", "Chrome"), ("Chromium/", "Chromium"), ("Safari/", "Safari"))
                    if key in ua), None)
    system = next((name for key, name in (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
                                          ("Windows", "Windows"), ("Mac OS X", "Mac"), ("Linux", "Linux"))
                   if key in ua), None)
    if kind == "bearer" and not browser:
        return "An app" + (f" on {system}" if system else "")
    if browser or system:
        return f"{browser or 'A browser'}" + (f" on {system}" if system else "")
    return _t('Unknown device')


def _account_page(request: Request, session: SessionDep, user: User, errors: dict[str, str],
                  notice: str | None = None, status_code: int = 200, extra: dict | None = None) -> Response:
    from app.privacy.pages import account_context  # name, e-mail, consent, your data, erasure

    rows = sessions.active_for(session, user.id)
    if user.role == Role.patient:  # the reminders section (app.reminders), unless the caller sent it
        from app.reminders.pages import account_context as reminders_context
        extra = {**reminders_context(session, user.id), **(extra or {})}
    return render(request, "auth/account.html", {**account_context(session, user),
        "email": service.email_of(session, user), "display_name": service.display_name_of(session, user),
        "sessions": [(r, device_label(r.user_agent, r.kind)) for r in rows],
        "current_id": request.state.auth_session.id, "errors": errors, "notice": notice,
        "contact": _contact(session, user), **(extra or {})}, status_code=status_code)


def _contact(session: SessionDep, user: User):  # type: ignore[no-untyped-def]
    """The patient's contact details for the account page's section (app/contact)."""
    if user.role != Role.patient:
        return None
    from app.contact import service as contact
    return contact.get(session, user.id) or False


def _looks_like_email(email: str) -> bool:
    return re.match(EMAIL_PATTERN, email.strip()) is not None


@router.get("/account")
def account(request: Request, session: SessionDep, user: PageUser, notice: str | None = None) -> Response:
    return _account_page(request, session, user, {}, NOTICES.get(notice or ""))


@router.post("/account/password")
def change_password(request: Request, session: SessionDep, user: PageUser,
                    current_password: Annotated[str, Form(max_length=256)] = "",
                    new_password: Annotated[str, Form(max_length=256)] = "") -> Response:
    try:
        service.change_password(session, user, current_password, new_password)
    except (InvalidInput, TooManyRequests) as e:
        field = getattr(e, "field", None) or ("current_password" if e.status_code == 429 else "new_password")
        resp = _account_page(request, session, user, {field: e.detail}, status_code=e.status_code)
        resp.headers.update(e.headers)
        return resp
    resp = redirect("/login?notice=password-changed")
    resp.delete_cookie(sessions.COOKIE_NAME, path="/")
    return resp


@router.post("/account/language")
def change_language(request: Request, session: SessionDep, user: PageUser,
                    language: Annotated[str, Form(max_length=16)] = "") -> Response:
    """The interface language (app.i18n); empty: follow the browser. An unknown code is ignored."""
    from app import i18n
    service.set_locale(session, user, i18n.pick(language))
    return redirect("/account?notice=language-saved#language")


@router.post("/account/sessions/revoke-others")
def revoke_others(request: Request, session: SessionDep, user: PageUser) -> Response:
    sessions.revoke_all(session, user.id, except_id=request.state.auth_session.id)
    return redirect("/account?notice=sessions-revoked")


# ---------------------------------------------------------------- forgotten password

SENT = N_("If an account exists for that address, we have sent a link to it. The link works once, "
        "for 30 minutes. If nothing arrives within a few minutes, check your spam folder or ask again.")


@router.get("/forgot-password")
def forgot_form(request: Request, user: PageUserOptional, sent: int = 0) -> Response:
    return render(request, "auth/forgot.html", {"errors": {}, "email": "", "sent": _t(SENT) if sent else None})


@router.post("/forgot-password")
def forgot(request: Request, session: SessionDep, user: PageUserOptional,
           email: Annotated[str, Form(max_length=254)] = "") -> Response:
    """The same answer, status and (nearly) the same work whether or not the account exists."""
    if not _looks_like_email(email):
        return render(request, "auth/forgot.html", {"email": email, "sent": None,
                      "errors": {"email": "Enter an email address like name@example.com."}}, status_code=422)
    reset.request_reset(session, email)
    return redirect("/forgot-password?sent=1")


def _link_page(request: Request, token: str, user: User, errors: dict[str, str], status_code: int = 200,
               *, first: bool = False) -> Response:
    """A reset link, or an invitation (a new account's first password: nothing to sign out of)."""
    return render(request, "auth/reset.html", {
        "token": token, "errors": errors, "consent_needed": reset.needs_consent(user),
        "invite": first}, status_code=status_code)


def _link_invalid(request: Request) -> Response:
    return render(request, "auth/reset_invalid.html", {}, status_code=400)


Token = Annotated[str, Path(max_length=reset.TOKEN_MAX_LENGTH)]


@router.get("/reset-password/{token}")
def reset_form(request: Request, session: SessionDep, user: PageUserOptional, token: Token) -> Response:
    found = reset.check(session, token)  # looking does not spend the link (mail scanners open links)
    if found is None:
        return _link_invalid(request)
    return _link_page(request, token, found[1], {}, first=reset.is_first_password(*found))


@router.post("/reset-password/{token}")
def reset_password(request: Request, session: SessionDep, user: PageUserOptional, token: Token,
                   password: Annotated[str, Form(max_length=256)] = "",
                   confirm: Annotated[str, Form(max_length=256)] = "",
                   consent: Annotated[str, Form(max_length=10)] = "") -> Response:
    found = reset.check(session, token)
    if found is None:
        return _link_invalid(request)
    purpose, first = found[0].purpose, reset.is_first_password(*found)
    try:
        reset.complete(session, token, password, confirm, consent=consent == "yes")
    except reset.LinkInvalid:
        return _link_invalid(request)
    except InvalidInput as e:
        return _link_page(request, token, found[1], {e.field or "password": e.detail}, status_code=422,
                          first=first)
    resp = redirect("/login?notice=" + ("password-reset" if purpose == "reset" else "password-set"))
    resp.delete_cookie(sessions.COOKIE_NAME, path="/")
    return resp


@router.get("/privacy")
def privacy(request: Request, user: PageUserOptional) -> Response:
    from app.privacy.pages import privacy_context  # controller, basis, retention: from settings
    return render(request, "public/privacy.html", privacy_context())
