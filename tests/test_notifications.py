"""Notifications: the settings (file and environment, and what is refused), the e-mail block on a
local SMTP server, and a real Prefect server whose automations send mail for the project's events
and for a failed run."""

from __future__ import annotations

import os
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from servers import Mailbox, drain_prefect_workers, free_port

from lofte_pipeline.errors import LofteError
from lofte_pipeline.notify_settings import describe, load_settings

SENDER = "Medborgarlöften Strängnäs <lofte@strangnas.se>"
RECIPIENTS = ("samordnare@strangnas.se", "trygghet@strangnas.se")
PASSWORD = "hemligt-Losen:/@#%+ "


def body_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None, message
    return part.get_content().replace("\r\n", "\n")


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield mailbox, controller.port
    finally:
        controller.stop()


def env_for(port: int, **extra: str) -> dict[str, str]:
    return {
        "LOFTE_SMTP_SERVER": "127.0.0.1",
        "LOFTE_SMTP_PORT": str(port),
        "LOFTE_SMTP_SAKERHET": "none",
        "LOFTE_SMTP_FRAN": SENDER,
        "LOFTE_SMTP_TILL": ", ".join(RECIPIENTS),
        **extra,
    }


# --- settings, no Prefect -------------------------------------------------------------------


def test_nothing_set_means_no_notifications_and_says_so():
    settings = load_settings(environ={})
    assert not settings.enabled
    assert settings.smtp is None
    text = describe(settings)
    assert text.startswith("Aviseringar: inga inställda")
    assert "LOFTE_NOTISER" in text
    assert len(text.splitlines()) <= 2


def test_settings_from_the_environment():
    settings = load_settings(
        environ={
            "LOFTE_SMTP_SERVER": "smtp.strangnas.se",
            "LOFTE_SMTP_ANVANDARE": "lofte",
            "LOFTE_SMTP_LOSENORD": PASSWORD,
            "LOFTE_SMTP_FRAN": SENDER,
            "LOFTE_SMTP_TILL": "samordnare@strangnas.se; trygghet@strangnas.se",
            "LOFTE_SLACK_WEBHOOK": "https://hooks.slack.com/services/T000/B000/XXXX",
        }
    )
    smtp = settings.smtp
    assert smtp is not None
    assert (smtp.host, smtp.port, smtp.security) == ("smtp.strangnas.se", 587, "starttls")
    assert smtp.recipients == RECIPIENTS
    assert smtp.sender_address == "lofte@strangnas.se"
    assert smtp.password is not None and smtp.password.get_secret_value() == PASSWORD
    assert settings.slack_webhook is not None and settings.teams_webhook is None
    text = describe(settings)
    assert "smtp.strangnas.se:587 (starttls, inloggning som lofte)" in text
    assert "och Slack" in text
    assert len(text.splitlines()) == 2
    for shown in (text, repr(settings), str(settings), settings.model_dump_json()):
        assert PASSWORD not in shown
        assert "XXXX" not in shown


def test_settings_file_and_environment_over_it(tmp_path):
    path = tmp_path / "notiser.yaml"
    path.write_text(
        "# Aviseringar\n"
        "smtp:\n"
        "  server: smtp.strangnas.se\n"
        "  sakerhet: ssl\n"
        "  anvandare: lofte\n"
        "  fran: Medborgarlöften Strängnäs <lofte@strangnas.se>\n"
        "  till:\n"
        "    - samordnare@strangnas.se\n"
        "    - trygghet@strangnas.se\n"
        "teams: https://prod-00.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=x\n",
        encoding="utf-8",
    )
    settings = load_settings(environ={"LOFTE_NOTISER": str(path), "LOFTE_SMTP_LOSENORD": PASSWORD})
    smtp = settings.smtp
    assert smtp is not None
    assert (smtp.port, smtp.security, smtp.username) == (465, "ssl", "lofte")
    assert smtp.sender == SENDER
    assert smtp.recipients == RECIPIENTS
    assert smtp.password is not None and smtp.password.get_secret_value() == PASSWORD
    assert settings.teams_webhook is not None
    assert str(path) in settings.source and "miljövariabler" in settings.source
    overridden = load_settings(
        path, environ={"LOFTE_SMTP_TILL": "chef@strangnas.se", "LOFTE_SMTP_LOSENORD": "x"}
    )
    assert overridden.smtp is not None and overridden.smtp.recipients == ("chef@strangnas.se",)


def test_an_empty_file_is_no_notifications(tmp_path):
    path = tmp_path / "notiser.yaml"
    path.write_text("# inget än\n", encoding="utf-8")
    assert not load_settings(path, environ={}).enabled


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LOFTE_SMTP_FRAN": SENDER, "LOFTE_SMTP_TILL": RECIPIENTS[0]}, "LOFTE_SMTP_SERVER saknas"),
        (
            {"LOFTE_SMTP_SERVER": "smtp.x.se", "LOFTE_SMTP_TILL": RECIPIENTS[0]},
            "LOFTE_SMTP_FRAN saknas",
        ),
        ({"LOFTE_SMTP_SERVER": "smtp.x.se", "LOFTE_SMTP_FRAN": SENDER}, "LOFTE_SMTP_TILL saknas"),
        (
            {"LOFTE_SMTP_SERVER": "smtp.x.se", "LOFTE_SMTP_FRAN": SENDER, "LOFTE_SMTP_TILL": "nån"},
            "'nån' är ingen e-postadress",
        ),
        (
            {**env_for(25), "LOFTE_SMTP_SAKERHET": "tls"},
            "LOFTE_SMTP_SAKERHET ska vara starttls, ssl eller none",
        ),
        ({**env_for(25), "LOFTE_SMTP_PORT": "70000"}, "LOFTE_SMTP_PORT ska vara ett portnummer"),
        ({**env_for(25), "LOFTE_SMTP_ANVANDARE": "lofte"}, "LOFTE_SMTP_LOSENORD saknas"),
        ({**env_for(25), "LOFTE_SMTP_LOSENORD": PASSWORD}, "LOFTE_SMTP_ANVANDARE saknas"),
        (
            {**env_for(25), "LOFTE_SMTP_ANVANDARE": "lofte", "LOFTE_SMTP_LOSENORD": "lösen"},
            "utan å, ä, ö",
        ),
        ({"LOFTE_TEAMS_WEBHOOK": "http://teams.example/x"}, "börjar med https://"),
        ({"LOFTE_NOTISER": "/finns/inte/notiser.yaml"}, "filen finns inte"),
    ],
)
def test_bad_settings_are_one_swedish_error(environ, expected):
    with pytest.raises(LofteError) as raised:
        load_settings(environ=environ)
    assert expected in str(raised.value)
    assert str(raised.value).startswith("Aviseringarna är felaktigt inställda")
    assert PASSWORD not in str(raised.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("smtp: [\n", "inte giltig YAML på rad"),
        ("- en lista\n", "ska vara en lista av nycklar"),
        ("epost:\n  server: x\n", "okänd nyckel epost"),
        ("smtp:\n  server: x\n  losen: y\n", "okänd nyckel smtp.losen"),
        ("smtp: smtp.x.se\n", "smtp: ska innehålla nycklar"),
    ],
)
def test_a_bad_settings_file_is_named(tmp_path, text, expected):
    path = tmp_path / "notiser.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LofteError) as raised:
        load_settings(path, environ={})
    assert expected in str(raised.value)
    assert str(path) in str(raised.value)


# --- the e-mail block on a local SMTP server, no Prefect server ------------------------------


def test_the_email_block_sends_plain_utf8_mail_without_tls_or_login(smtp_server):
    from flows.notifications import LofteEmail

    mailbox, port = smtp_server
    settings = load_settings(environ=env_for(port))
    assert settings.smtp is not None
    block = LofteEmail.from_settings(settings.smtp)
    assert block.apprise_url().startswith(f"mailto://127.0.0.1:{port}/")
    block.notify(subject="Ärende: åäö ÅÄÖ", body="Gör så här: öppna rapporten.\nRad två.")
    messages = mailbox.snapshot()
    assert sorted(to for tos, _ in messages for to in tos) == sorted(RECIPIENTS)
    for _, message in messages:
        assert message["Subject"] == "Ärende: åäö ÅÄÖ"
        assert message["From"] == SENDER
        assert body_of(message).strip() == "Gör så här: öppna rapporten.\nRad två."


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_email_block_logs_in_when_user_and_password_are_set():
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    from flows.notifications import LofteEmail

    logins: list[tuple[str, str]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=True)

    mailbox, port = Mailbox(), free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
        auth_required=True,
    )
    controller.start()
    try:
        settings = load_settings(
            environ=env_for(
                port, LOFTE_SMTP_ANVANDARE="lofte@strangnas.se", LOFTE_SMTP_LOSENORD=PASSWORD
            )
        )
        assert settings.smtp is not None
        LofteEmail.from_settings(settings.smtp).notify(subject="Inloggad", body="Hej")
    finally:
        controller.stop()
    assert logins and logins[0] == ("lofte@strangnas.se", PASSWORD)
    assert len(mailbox.snapshot()) == len(RECIPIENTS)


def test_secure_modes_build_mailtos_urls():
    from flows.notifications import LofteEmail

    for security, mode in (("starttls", "starttls"), ("ssl", "ssl")):
        block = LofteEmail(
            server="smtp.strangnas.se",
            port=587,
            security=security,
            username="lofte",
            password=PASSWORD,
            sender=SENDER,
            recipients=list(RECIPIENTS),
        )
        client = block._apprise_client[0]
        assert block.apprise_url().startswith("mailtos://")
        assert (client.secure_mode, client.smtp_host, client.port) == (
            mode,
            "smtp.strangnas.se",
            587,
        )
        assert (client.user, client.password) == ("lofte", PASSWORD)
        assert PASSWORD not in " ".join(block._apprise_client.urls(privacy=True))


# --- a real Prefect server with its triggers and actions ------------------------------------


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    """A real `prefect server start` (the test harness is not relied on to run the triggers and
    actions services), in its own PREFECT_HOME; the environment is restored afterwards."""
    from flows.serve import start_server, stop_process

    home = tmp_path_factory.mktemp("prefect-home-notiser")
    saved = dict(os.environ)
    os.environ.update(
        {
            "PREFECT_HOME": str(home),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
        }
    )
    process = None
    try:
        process, api_url = start_server("127.0.0.1", free_port())
        os.environ["PREFECT_API_URL"] = api_url
        from prefect.settings import PREFECT_API_URL, temporary_settings

        drain_prefect_workers()  # events emitted here go to this server, not the harness's
        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            yield api_url
    finally:
        drain_prefect_workers()
        if process is not None:
            stop_process(process)
        os.environ.clear()
        os.environ.update(saved)


def wait_for_mail(mailbox: Mailbox, count: int, timeout: float = 60.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if len(mailbox.snapshot()) >= count:
            return time.monotonic() - started
        time.sleep(0.5)
    got = [(tos, m["Subject"]) for tos, m in mailbox.snapshot()]
    raise AssertionError(f"{len(got)} of {count} mails after {timeout:.0f} s: {got}")


@pytest.mark.slow
def test_automations_send_mail_for_each_kind(prefect_server, smtp_server, promise_file, tmp_path):
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.events.worker import EventsWorker

    from flows.events import APPROVAL_WAITING, FILE_REJECTED, announce
    from flows.missing_data import missing_data_check
    from flows.notifications import AUTOMATIONS, EMAIL_BLOCK, ensure_notifications

    mailbox, port = smtp_server
    settings = load_settings(environ=env_for(port))
    first = ensure_notifications(settings)
    again = ensure_notifications(settings)
    assert first == again == [name for name, _ in AUTOMATIONS.values()]
    with get_client(sync_client=True) as client:
        for name in first:
            assert len(client.read_automations_by_name(name)) == 1, name
        blocks = client.read_block_documents()
        assert [b.name for b in blocks if b.block_type and b.block_type.slug == "lofte-e-post"] == [
            EMAIL_BLOCK
        ]

    # (1) the real missing-data check on an empty inbox
    inbox = tmp_path / "inkorg"
    for source in ("polisen", "kommunen"):
        (inbox / source).mkdir(parents=True)
    started = time.monotonic()
    state = missing_data_check(
        str(promise_file), str(inbox), "2019-T1", str(tmp_path / "state"), return_state=True
    )
    assert state.name == "Underlag saknas"

    # (2) a final waits for approval, (3) a file is rejected
    approval = (
        "Medborgarlöfte Strängnäs kommun: slutlig rapport för 2019-T1 väntar på godkännande",
        "Den slutliga rapporten för 2019-T1 är klar.\nGör så här: läs den och godkänn i Prefect "
        "(Körningar → publicering → Återuppta). Åtgärda annars underlaget först.",
    )
    announce(APPROVAL_WAITING, "strangnas-2019", "Medborgarlöfte 2019", *approval, period="2019-T1")
    rejected = (
        "Medborgarlöfte Strängnäs kommun: filen logg-2019.xlsx avvisades",
        "Filen logg-2019.xlsx i polisen/ kunde inte läsas: den är lösenordsskyddad.\n"
        "Gör så här: spara den utan lösenord och lägg den i inkorgen igen.",
    )
    announce(FILE_REJECTED, "strangnas-2019", "Medborgarlöfte 2019", *rejected)
    EventsWorker.drain_all()

    # (4) a run of one of the project's flows fails (started without a deployment)
    @flow(name="tertialrapport")
    def broken_report() -> None:
        raise RuntimeError("Testfel: kalkylarket för Åker gick inte att öppna")

    failed = broken_report(return_state=True)
    assert failed.is_failed()

    expected = 4 * len(RECIPIENTS)
    took = wait_for_mail(mailbox, expected)
    time.sleep(5)  # nothing more comes: no second mail for "Underlag saknas", none duplicated
    messages = mailbox.snapshot()
    print(
        f"{len(messages)} mails, the last {took:.1f} s after the events "
        f"({time.monotonic() - started:.1f} s from the first run)"
    )
    assert len(messages) == expected, [m["Subject"] for _, m in messages]

    by_subject: dict[str, list[tuple[list[str], EmailMessage]]] = {}
    for tos, message in messages:
        by_subject.setdefault(str(message["Subject"]), []).append((tos, message))
    assert len(by_subject) == 4, list(by_subject)
    for group in by_subject.values():
        assert sorted(to for tos, _ in group for to in tos) == sorted(RECIPIENTS)
        assert all(m["From"] == SENDER for _, m in group)

    missing_subject = next(s for s in by_subject if "underlag saknas" in s)
    assert missing_subject == "Medborgarlöfte Strängnäs kommun: underlag saknas för 2019-T1"
    missing_body = body_of(by_subject[missing_subject][0][1])
    assert "polisen" in missing_body and "kommunen" in missing_body

    for subject, text in (approval, rejected):
        assert body_of(by_subject[subject][0][1]).strip() == text

    failed_subject = next(s for s in by_subject if "misslyckades" in s)
    assert failed_subject.startswith("Medborgarlöfte: körningen ")
    assert "av tertialrapport misslyckades" in failed_subject
    failed_body = body_of(by_subject[failed_subject][0][1])
    assert "av flödet tertialrapport slutade som Failed" in failed_body
    assert "Testfel: kalkylarket för Åker gick inte att öppna" in failed_body
    assert "Gör så här:" in failed_body
    run_link = (
        f"{prefect_server.removesuffix('/api')}/runs/flow-run/{failed.state_details.flow_run_id}"
    )
    assert f"Öppna körningen i Prefect: {run_link} och läs loggen." in failed_body


def test_docs_name_every_setting():
    from lofte_pipeline.notify_settings import ENV, SETTINGS_FILE

    docs = (Path(__file__).resolve().parents[1] / "docs" / "notifications.md").read_text(
        encoding="utf-8"
    )
    for variable in (SETTINGS_FILE, *ENV.values()):
        assert variable in docs, variable


TEAMS_URL = (
    "https://prod-00.westeurope.logic.azure.com:443/workflows/abc123/triggers/manual/paths/invoke"
    "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=SIGNATURE"
)


@pytest.mark.slow
def test_every_channel_is_an_action_and_unset_settings_remove_them(prefect_server):
    from prefect.client.orchestration import get_client

    from flows.notifications import AUTOMATIONS, ensure_notifications

    settings = load_settings(
        environ={
            **env_for(2525),
            "LOFTE_TEAMS_WEBHOOK": TEAMS_URL,
            "LOFTE_SLACK_WEBHOOK": "https://hooks.slack.com/services/T000/B000/XXXX",
        }
    )
    names = ensure_notifications(settings)
    with get_client(sync_client=True) as client:
        slugs = {b.name: b.block_type.slug for b in client.read_block_documents() if b.block_type}
        assert slugs["lofte-teams"] == "ms-teams-webhook"
        assert slugs["lofte-slack"] == "slack-webhook"
        for name in names:
            (automation,) = client.read_automations_by_name(name)
            assert len(automation.actions) == 3
            assert {a.type for a in automation.actions} == {"send-notification"}

    with pytest.raises(LofteError, match="Teams-arbetsflöde"):
        ensure_notifications(load_settings(environ={"LOFTE_TEAMS_WEBHOOK": "https://x.se/y"}))

    assert ensure_notifications(load_settings(environ={})) == []
    with get_client(sync_client=True) as client:
        for name, _ in AUTOMATIONS.values():
            assert client.read_automations_by_name(name) == []
