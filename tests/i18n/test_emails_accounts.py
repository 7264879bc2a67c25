"""Account and privacy e-mails in the recipient's language (issue 19): the account's own choice
(users.locale); without one, the language of the request for a mail the person asked for just now
(or, for an invitation, the deployment's). A mail to a new address goes in the account's language;
a mail to someone else's account in theirs, not the asker's. One test per place that queues a mail."""

from __future__ import annotations

import re
import uuid

from app import i18n
from app.accounts import reset, signup
from app.privacy import service as privacy
from tests.factories import PASSWORD, make_user
from tests.i18n.mailscan import assert_english, assert_spanish, newest, outbox, speaks


def _new_address() -> str:
    return f"new-{uuid.uuid4().hex[:8]}@example.org"


def test_password_reset_in_the_accounts_language(session):
    es, en, unset = make_user(session), make_user(session), make_user(session)
    speaks(session, es, "es")
    speaks(session, en, "en")
    with i18n.using("en"):
        reset.request_reset(session, es.email)
    with i18n.using("es"):
        reset.request_reset(session, en.email)          # asked on a Spanish page: their choice wins
        reset.request_reset(session, unset.email)       # no choice: the page's language
    by_user = {m.user_id: m for m in outbox(session, "password_reset")}
    for uid in (es.id, unset.id):
        assert by_user[uid].subject == "Restablece tu contraseña de Steady Steps"
        assert_spanish(by_user[uid], "abre este enlace en un plazo de 30 minutos")
    assert_english(by_user[en.id], "Reset your Steady Steps password", "open this link within 30 minutes")


def test_invitation_in_the_accounts_or_the_deployments_language(session, default_locale):
    admin = make_user(session, "admin")
    es = make_user(session, "clinician")
    speaks(session, es, "es")
    with i18n.using("en"):                              # the admin's page is in English
        reset.send_invitation(session, es.user, actor=admin.user)
    [m] = before = outbox(session, "invitation")
    assert m.subject == "Tu cuenta de Steady Steps"
    assert_spanish(m, "abre este enlace en un plazo de 3 días")
    en = make_user(session)
    with i18n.using("es"):                              # an admin working in Spanish: the clinic's language
        reset.send_invitation(session, en.user, actor=admin.user)
    m = newest(session, "invitation", before)
    before = outbox(session, "invitation")
    assert_english(m, "Your Steady Steps account", "Your clinic has set up a Steady Steps account for you.")
    default_locale("es")
    unset = make_user(session)
    reset.send_invitation(session, unset.user, actor=admin.user)
    m = newest(session, "invitation", before)
    assert m.user_id == unset.id
    assert_spanish(m, "Tu cuenta de Steady Steps")


def test_sign_up_mail_in_the_language_signed_up_in(session, monkeypatch):
    from app.accounts.models import User
    from app.config import get_settings
    monkeypatch.setenv("ICBT_CONFIRM_EMAIL", "true")
    get_settings.cache_clear()
    with i18n.using("es"):
        signup.register(session, email=_new_address(), password=PASSWORD, display_name=None, consent=True)
    [m] = before = outbox(session, "account_confirm")
    assert session.get(User, m.user_id).locale == "es"
    assert_spanish(m, "Confirma tu correo electrónico para Steady Steps", "/confirm-email/")
    with i18n.using("en"):
        signup.register(session, email=_new_address(), password=PASSWORD, display_name=None, consent=True)
    m = newest(session, "account_confirm", before)
    assert_english(m, "Confirm your e-mail address for Steady Steps")
    monkeypatch.setenv("ICBT_CONFIRM_EMAIL", "false")
    get_settings.cache_clear()
    with i18n.using("es"):
        signup.register(session, email=_new_address(), password=PASSWORD, display_name=None, consent=True)
    [m] = outbox(session, "account_welcome")
    assert_spanish(m, "Tu cuenta está lista")
    get_settings.cache_clear()


def test_you_already_have_an_account_in_the_accounts_language(session):
    es, unset = make_user(session), make_user(session)
    speaks(session, es, "es")
    with i18n.using("en"):                              # someone on an English page tries their address
        signup.register(session, email=es.email, password=PASSWORD, display_name=None, consent=True)
        signup.register(session, email=unset.email, password=PASSWORD, display_name=None, consent=True)
    by_user = {m.user_id: m for m in outbox(session, "account_exists")}
    assert_spanish(by_user[es.id], "Ya tienes una cuenta")
    assert_english(by_user[unset.id], "You already have a Steady Steps account")


def test_email_change_mails_in_the_accounts_language(session):
    """The link to the new address, the notice to the current one, then "it has changed" to the
    old address: all in the account's language, whatever the page was in."""
    es = make_user(session)
    speaks(session, es, "es")
    new = _new_address()
    with i18n.using("en"):
        privacy.request_email_change(session, es.user, new, PASSWORD)
    [confirm] = outbox(session, "email_change_confirm")
    assert confirm.to == new
    assert_spanish(confirm, "Confirma tu nuevo correo electrónico de Steady Steps", "en un plazo de 24 horas")
    [notice] = outbox(session, "email_change_notice")
    assert notice.to == es.email
    assert_spanish(notice, "Se ha pedido cambiar el correo electrónico", "(Mi cuenta)")
    token = re.search(r"/account/email/confirm/(\S+)", confirm.body).group(1)   # type: ignore[union-attr]
    with i18n.using("en"):
        privacy.confirm_email_change(session, token)
    [changed] = outbox(session, "email_changed")
    assert changed.to == es.email
    assert_spanish(changed, "Ha cambiado el correo electrónico", "inicia sesión con la nueva dirección")


def test_email_change_mails_in_english_for_an_english_account(session):
    en = make_user(session)
    speaks(session, en, "en")
    new = _new_address()
    with i18n.using("es"):
        privacy.request_email_change(session, en.user, new, PASSWORD)
    [confirm] = outbox(session, "email_change_confirm")
    assert_english(confirm, "Confirm your new Steady Steps e-mail address", "within 24 hours")
    [notice] = outbox(session, "email_change_notice")
    assert_english(notice, "A change of e-mail address was requested", "(My account)")
    token = re.search(r"/account/email/confirm/(\S+)", confirm.body).group(1)   # type: ignore[union-attr]
    with i18n.using("es"):
        privacy.confirm_email_change(session, token)
    assert_english(outbox(session, "email_changed")[0], "Your Steady Steps e-mail address has changed")


def test_address_taken_notice_in_the_owners_language(session):
    """Someone asks for an address that is another account's: its owner is told, in their language."""
    asker, owner, other_owner = make_user(session), make_user(session), make_user(session)
    speaks(session, asker, "en")
    speaks(session, owner, "es")
    privacy.request_email_change(session, asker.user, owner.email, PASSWORD)
    [m] = before = outbox(session, "email_change_taken")
    assert m.user_id == owner.id
    assert_spanish(m, "Alguien ha intentado usar tu correo electrónico", "Tu cuenta ya lo usa")
    with i18n.using("es"):                              # the asker's page language is not the owner's
        privacy.request_email_change(session, asker.user, other_owner.email, PASSWORD)
    m = newest(session, "email_change_taken", before)
    assert m.user_id == other_owner.id
    assert_english(m, "Someone tried to use your e-mail address on Steady Steps")
