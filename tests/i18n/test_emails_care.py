"""E-mails about care in each recipient's language (issue 19): alerts to clinicians (their
account's language; an on-call address with no account: the deployment's), message notices,
homework feedback, reminders and the weekly summary (plural forms and numbers per language).
One test per place that queues a mail; an English recipient next to a Spanish one gets English."""

from __future__ import annotations

from datetime import timedelta

from app import clock, i18n
from app.alerts import delivery
from app.monitoring import service as monitoring
from app.monitoring.scheduled import _week_in_numbers, send_reminder
from tests.alerts.support import ONCALL, T0, care_pair, phq9, submit
from tests.factories import assign, make_user
from tests.i18n.mailscan import assert_english, assert_spanish, english_left, newest, outbox, speaks

ALERT_EN = "You will be asked to sign in. For privacy, this e-mail holds no details about the patient."
ALERT_ES = "Por privacidad, este correo no incluye ningún dato del paciente."


def _mixed_team(session):  # type: ignore[no-untyped-def]
    """A patient with a Spanish-speaking and an English-speaking clinician."""
    patient, es = care_pair(session)
    en = make_user(session, "clinician")
    assign(session, patient, en)
    speaks(session, es, "es")
    speaks(session, en, "en")
    return patient, es, en


def test_alert_email_in_each_clinicians_language(session, frozen_clock):
    patient, es, en = _mixed_team(session)
    submit(session, patient, "phq9", phq9(12, item9=3))                 # urgent: both clinicians
    by_user = {m.user_id: m for m in outbox(session, "alert")}
    assert set(by_user) == {es.id, en.id}
    assert by_user[es.id].subject == "Hay una alerta de nivel URGENTE esperando"
    assert_spanish(by_user[es.id], ALERT_ES, "Ábrela: http")
    assert by_user[en.id].subject == "An alert of tier URGENT is waiting"
    assert_english(by_user[en.id], ALERT_EN, "Open it: http")
    assert english_left(by_user[en.id].text)                            # the scan sees English


def test_alert_to_an_oncall_address_is_in_the_deployments_language(session, frozen_clock, oncall,
                                                                   default_locale):
    default_locale("es")
    patient, es, en = _mixed_team(session)
    monitoring.report_not_safe(session, patient.user, "checkin")        # emergency: clinicians + on-call
    session.commit()
    mails = outbox(session, "alert")
    by_address = {m.to: m for m in mails if m.user_id is None}
    assert set(by_address) == set(ONCALL)
    for m in by_address.values():
        assert m.subject == "Hay una alerta de nivel EMERGENCIA esperando"
        assert_spanish(m, ALERT_ES)
    [to_en] = [m for m in mails if m.user_id == en.id]                  # their own choice wins
    assert to_en.subject == "An alert of tier EMERGENCY is waiting"


def test_an_english_deployments_oncall_mail_stays_english(session, frozen_clock, oncall):
    patient, _es, _en = _mixed_team(session)
    monitoring.report_not_safe(session, patient.user, "checkin")
    session.commit()
    for m in outbox(session, "alert"):
        if m.user_id is None:
            assert m.subject == "An alert of tier EMERGENCY is waiting"
            assert_english(m, ALERT_EN)


def test_overdue_escalation_in_the_recipients_language(session, frozen_clock, default_locale):
    """No on-call list: the overdue alert goes to every clinician, each in their language."""
    default_locale("es")
    patient, es, en = _mixed_team(session)
    nobody = make_user(session, "clinician")                            # no choice: the deployment's
    submit(session, patient, "phq9", phq9(12, item9=3))
    frozen_clock(T0 + timedelta(days=3))
    assert delivery.escalate_overdue(session, clock.now()) == 1
    overdue = [m for m in outbox(session, "alert") if "(" in m.subject]
    by_user = {m.user_id: m for m in overdue}
    assert set(by_user) == {es.id, en.id, nobody.id}
    for uid in (es.id, nobody.id):
        assert by_user[uid].subject == "Hay una alerta de nivel URGENTE esperando (fuera de plazo)"
        assert_spanish(by_user[uid], "lista de guardia", ALERT_ES)
    assert by_user[en.id].subject == "An alert of tier URGENT is waiting (overdue)"
    assert_english(by_user[en.id], "it is now sent to the on-call list")


def test_message_notice_to_clinicians_in_each_ones_language(session, frozen_clock):
    from app.messages import service as messages
    patient, es, en = _mixed_team(session)
    speaks(session, patient, "en")                       # the writer's language does not matter
    messages.send_from_patient(session, patient.user, "Could we talk on Friday?")
    by_user = {m.user_id: m for m in outbox(session, "message_notice")}
    assert_spanish(by_user[es.id], "Un paciente ha enviado un mensaje", "Inicia sesión para leerlo")
    assert_english(by_user[en.id], "A patient has sent a message",
                   "For privacy this e-mail does not say who or what it says.")
    assert "Friday" not in by_user[es.id].text + by_user[en.id].text


def test_message_notice_to_the_patient_in_their_language(session, frozen_clock):
    """Also the reply to a weekly review: it is a message from the clinician."""
    from app.guided import service as guided
    from app.messages import service as messages
    patient, es, en = _mixed_team(session)
    speaks(session, patient, "es")
    messages.send_from_clinician(session, en.user, patient.user, "See you next week.")
    guided.complete_review(session, en.user, patient.id, "Reviewed the week.", "Well done this week.")
    mails = outbox(session, "reminder_message")
    assert len(mails) == 2
    for m in mails:
        assert m.subject == "Tienes un mensaje nuevo de tu equipo de atención"
        assert_spanish(m, "Si necesitas ayuda ahora, mira http", "no incluye el mensaje")
    other = make_user(session)
    assign(session, other, es)
    messages.send_from_clinician(session, es.user, other.user, "Hello")   # no choice: English deployment
    [m] = [m for m in outbox(session, "reminder_message") if m.user_id == other.id]
    assert_english(m, "You have a new message from your care team", "If you need help now, see http")


def test_homework_feedback_notice_in_the_patients_language(session, frozen_clock):
    from app.guided import service as guided
    from app.homework import service as homework
    from tests.privacy.support import HOMEWORK, TASK
    patient, es, en = _mixed_team(session)
    speaks(session, patient, "es")
    entry = homework.create(session, patient.user, TASK, HOMEWORK)
    guided.give_feedback(session, en.user, patient.id, entry.id, "Well noticed.")
    [m] = before = outbox(session, "feedback_notice")
    assert m.subject == "Tu equipo de atención te ha dejado comentarios"
    assert_spanish(m, "Inicia sesión para leerlo: http")
    speaks(session, patient, None)
    guided.give_feedback(session, es.user, patient.id, entry.id, "Good.")
    m = newest(session, "feedback_notice", before)
    assert_english(m, "Your care team has left feedback", "Your care team has commented on your practice.")


def test_reminder_in_the_patients_language(session, frozen_clock):
    es, en = make_user(session), make_user(session)
    speaks(session, es, "es")
    send_reminder(session, es.id, "checkin_due", "k", clock.now())
    send_reminder(session, en.id, "checkin_due", "k", clock.now())
    by_user = {m.user_id: m for m in outbox(session, "reminder_checkin_due")}
    assert_spanish(by_user[es.id], "cuestionario semanal", "Si necesitas ayuda ahora")
    assert_english(by_user[en.id], "Your weekly check-in is ready", "If you need help now")


def test_weekly_summary_counts_in_the_patients_plural_forms(session, frozen_clock):
    from app.diary import service as diary
    from app.diary.schemas import DiaryIn
    from tests.privacy.support import fill
    one = make_user(session)
    fill(session, one)                              # one diary entry, module 1 finished, two weeks in
    frozen_clock(T0 + timedelta(days=14, minutes=5))
    speaks(session, one, "es")
    assert _week_in_numbers(session, one.user, clock.now()) == {
        "diary": "1 entrada del diario", "modules": "el módulo 1 terminado"}
    two = make_user(session)
    for _ in range(2):
        diary.create(session, two.user, DiaryIn(mood=6, emotions=[], note="ok"))
    session.commit()
    speaks(session, two, "es")
    assert _week_in_numbers(session, two.user, clock.now()) == {
        "diary": "2 entradas del diario", "modules": "ningún módulo terminado, y no pasa nada"}
    send_reminder(session, two.id, "weekly_summary", "w", clock.now(), _week_in_numbers(session, two.user, clock.now()))
    [m] = outbox(session, "reminder_weekly_summary")
    assert_spanish(m, "Esta semana: 2 entradas del diario y ningún módulo terminado, y no pasa nada.")
    speaks(session, two, None)
    assert _week_in_numbers(session, two.user, clock.now()) == {
        "diary": "2 diary entries", "modules": "no modules finished, which is fine"}
    speaks(session, one, "en")
    assert _week_in_numbers(session, one.user, clock.now()) == {
        "diary": "1 diary entry", "modules": "module 1 finished"}


def test_plural_forms_and_numbers_follow_the_language():
    """Spanish has three forms (one, "many" for whole millions, other); numbers are written its way."""
    def entries(n: int) -> str:
        return i18n.ngettext("%(num)s diary entry", "%(num)s diary entries", n)
    with i18n.using("es"):
        assert [entries(n) for n in (0, 1, 2, 1234, 1_000_000)] == [
            "0 entradas del diario", "1 entrada del diario", "2 entradas del diario", "1.234 entradas del diario",
            "1.000.000 de entradas del diario"]
        assert i18n.format_number(12345) == "12.345"
    with i18n.using("en"):
        assert [entries(n) for n in (1, 2, 1234)] == ["1 diary entry", "2 diary entries", "1,234 diary entries"]


def test_a_template_plural_renders_with_its_own_variables():
    """{% trans count=... %}{% pluralize %} in a template: Jinja2 fills in the variables itself."""
    from app.web import env
    t = env.from_string("{% trans count=n, who=who %}{{ who }}: {{ count }} day{% pluralize %}"
                        "{{ who }}: {{ count }} days{% endtrans %}")
    with i18n.using("en"):
        assert t.render(n=1, who="A") == "A: 1 day" and t.render(n=3, who="<b>") == "&lt;b&gt;: 3 days"
