"""The coordinator is told through Prefect's own automations: one per kind of news (a final waits
for approval, data missing before a deadline, a dropped file rejected, a run failed), each with a
SendNotification action per channel (e-mail over SMTP, optionally Teams or Slack).

The Prefect server runs the actions, so it must be able to import the e-mail block: the entry
point `lofte` in the group `prefect.collections` (pyproject.toml) names this module, and Prefect
imports every such module when the server starts and whenever a block class is looked up. Keep it
light: only Prefect's notification blocks and the settings are imported at the top.
"""

from __future__ import annotations

import re
from typing import Any, Literal
from urllib.parse import quote, urlencode

from prefect.blocks.notifications import AppriseNotificationBlock
from pydantic import Field, SecretStr

from flows.events import APPROVAL_WAITING, DATA_MISSING, FILE_REJECTED
from lofte_pipeline.errors import LofteError
from lofte_pipeline.notify_settings import NotifySettings, SmtpSettings, describe, load_settings

__all__ = [
    "AUTOMATIONS",
    "FLOW_NAMES",
    "LofteEmail",
    "NotifySettings",
    "describe",
    "ensure_notifications",
    "load_settings",
]

EMAIL_BLOCK, TEAMS_BLOCK, SLACK_BLOCK = "lofte-e-post", "lofte-teams", "lofte-slack"
RUN_FAILED = "prefect.flow-run.Failed"
# Prefect names a flow-run event after the state's name: a run that ends as "Fil avvisad" or
# "Underlag saknas" (Failed by type) emits prefect.flow-run.Fil avvisad and so on, told about by
# its own event; only these names are failures nobody else reports.
FAILED_RUN_EVENTS = (RUN_FAILED, "prefect.flow-run.Crashed", "prefect.flow-run.TimedOut")
# The project's flows. A run matches by its flow's name, so a deployment's run (tagged
# medborgarlofte) and one started by hand or from Python are told about alike, and once.
FLOW_NAMES = ("tertialrapport", "inkorg", "saknade-underlag", "publicering", "alla-loften")

FORWARD_SUBJECT = "{{ event.payload.subject }}"
FORWARD_BODY = "{{ event.payload.text }}"
FAILED_SUBJECT = (
    "Medborgarlöfte: körningen {{ flow_run.name }} av {{ flow.name }} misslyckades"
    "{% if deployment and deployment.name %} ({{ deployment.name }}){% endif %}"
)
# The link: the server's PREFECT_UI_URL when it has one, else the UI beside the API that
# ensure_notifications spoke to (BASE below).
FAILED_LINK = (
    "{% set url = flow_run|ui_url %}{% if not url and BASE %}"
    '{% set url = BASE ~ "/runs/flow-run/" ~ flow_run.id %}{% endif %}'
)
FAILED_BODY = """\
Körningen {{ flow_run.name }} av flödet {{ flow.name }}\
{% if deployment and deployment.name %} (driftsättningen {{ deployment.name }}){% endif %} \
slutade som {{ flow_run.state.name }}.

Meddelande från körningen:
{{ flow_run.state.message or "(inget meddelande)" }}

Gör så här:
1. Öppna körningen i Prefect{% if url %}: {{ url }}{% endif %} och läs loggen.
2. Var felet tillfälligt (den delade mappen eller servern svarade inte, disken var full),
   starta körningen igen med "Kör igen" i Prefect, eller vänta på nästa schemalagda körning.
3. Annars: kontakta den som sköter systemet och ange körningens namn, {{ flow_run.name }}.
"""

# kind -> (automation name, its description in the UI)
AUTOMATIONS: dict[str, tuple[str, str]] = {
    APPROVAL_WAITING: (
        "Medborgarlöfte: slutlig rapport väntar på godkännande",
        "Skickar e-post (och Teams/Slack) när en slutlig rapport väntar på godkännande.",
    ),
    DATA_MISSING: (
        "Medborgarlöfte: underlag saknas",
        "Skickar e-post (och Teams/Slack) när en källa inte skickat underlag före en tidsgräns.",
    ),
    FILE_REJECTED: (
        "Medborgarlöfte: fil avvisad",
        "Skickar e-post (och Teams/Slack) när en inlämnad fil avvisas.",
    ),
    RUN_FAILED: (
        "Medborgarlöfte: körning misslyckades",
        "Skickar e-post (och Teams/Slack) när en körning av löftenas flöden misslyckas "
        "eller kraschar.",
    ),
}

_MODES = {"starttls": "starttls", "ssl": "ssl", "none": "insecure"}


class LofteEmail(AppriseNotificationBlock):
    """E-post över SMTP till samordnaren (Apprise mailto:// eller mailtos://)."""

    _block_type_name = "Lofte E-post"
    _block_type_slug = "lofte-e-post"
    _description = (
        "E-post över SMTP för medborgarlöftenas aviseringar. Skapas av lofte serve och "
        "lofte deploy från LOFTE_NOTISER eller LOFTE_SMTP_*; ändra inställningarna där."
    )

    url: SecretStr | None = Field(  # type: ignore[assignment]
        default=None,
        title="Apprise-adress",
        description="Lämna tom: adressen byggs av fälten nedan.",
    )
    server: str = Field(title="SMTP-server")
    port: int = Field(default=587, title="Port")
    security: Literal["starttls", "ssl", "none"] = Field(
        default="starttls", title="Säkerhet", description="starttls, ssl eller none"
    )
    username: str | None = Field(default=None, title="Användare")
    password: SecretStr | None = Field(default=None, title="Lösenord")
    sender: str = Field(title="Från")
    recipients: list[str] = Field(title="Till")

    @classmethod
    def from_settings(cls, smtp: SmtpSettings) -> LofteEmail:
        return cls(
            server=smtp.host,
            port=smtp.port,
            security=smtp.security,
            username=smtp.username,
            password=smtp.password,
            sender=smtp.sender,
            recipients=list(smtp.recipients),
        )

    def apprise_url(self) -> str:
        """mailto:// without TLS, mailtos:// with STARTTLS or SSL; a login only when both the
        user and the password are set; plain-text mail."""
        if self.url is not None and self.url.get_secret_value():
            return self.url.get_secret_value()
        scheme = "mailto" if self.security == "none" else "mailtos"
        auth = ""
        if self.username and self.password:
            auth = f"{quote(self.username, safe='')}:{quote(self.password.get_secret_value(), safe='')}@"
        host = f"[{self.server}]" if ":" in self.server else self.server
        targets = "/".join(quote(address, safe="") for address in self.recipients)
        params = urlencode(
            {
                "from": self.sender,
                "smtp": self.server,
                "mode": _MODES[self.security],
                "format": "text",
            },
            quote_via=quote,
        )
        return f"{scheme}://{auth}{host}:{self.port}/{targets}?{params}"

    def block_initialization(self) -> None:
        self._start_apprise_client(SecretStr(self.apprise_url()))


def _blocks(settings: NotifySettings) -> list[Any]:
    """The configured channels' blocks, saved (created or overwritten by name); their ids.
    All are built first, so a bad Teams address changes nothing on the server."""
    from prefect.blocks.notifications import MicrosoftTeamsWebhook, SlackWebhook

    blocks: list[tuple[str, Any]] = []
    if settings.smtp is not None:
        blocks.append((EMAIL_BLOCK, LofteEmail.from_settings(settings.smtp)))
    if settings.teams_webhook is not None:
        try:
            blocks.append((TEAMS_BLOCK, MicrosoftTeamsWebhook(url=settings.teams_webhook)))
        except ValueError:
            raise LofteError(
                "Aviseringarna är felaktigt inställda: Teams-adressen är ingen webhook från ett "
                "Teams-arbetsflöde (Power Automate). Skapa en i Teams under Arbetsflöden."
            ) from None
    if settings.slack_webhook is not None:
        blocks.append((SLACK_BLOCK, SlackWebhook(url=settings.slack_webhook)))
    return [block.save(name, overwrite=True) for name, block in blocks]


def failed_body(ui_base: str | None) -> str:
    """FAILED_BODY with the link to a run: the Prefect UI at `ui_base` unless the server knows
    its own UI address."""
    base = (ui_base or "").rstrip("/")
    if not re.fullmatch(r"https?://[A-Za-z0-9.\-:\[\]/_~]+", base):
        base = ""
    return '{% set BASE = "' + base + '" %}' + FAILED_LINK + FAILED_BODY


def ui_base(api_url: str) -> str:
    """The UI of the Prefect server whose API is at `api_url` (http://host:4200/api → …:4200)."""
    return api_url.rstrip("/").removesuffix("/api")


def _automation(kind: str, block_ids: list[Any], ui: str | None = None) -> Any:
    from prefect.automations import AutomationCore, EventTrigger, Posture, SendNotification

    name, description = AUTOMATIONS[kind]
    if kind == RUN_FAILED:
        trigger = EventTrigger(
            expect=set(FAILED_RUN_EVENTS),
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related={
                "prefect.resource.role": "flow",
                "prefect.resource.name": list(FLOW_NAMES),
            },
            posture=Posture.Reactive,
            threshold=1,
        )
        subject, body = FAILED_SUBJECT, failed_body(ui)
    else:
        trigger = EventTrigger(
            expect={kind},
            match={"prefect.resource.id": "lofte.promise.*"},
            posture=Posture.Reactive,
            threshold=1,
        )
        subject, body = FORWARD_SUBJECT, FORWARD_BODY
    return AutomationCore(
        name=name,
        description=description,
        enabled=True,
        trigger=trigger,
        actions=[
            SendNotification(block_document_id=block_id, subject=subject, body=body)
            for block_id in block_ids
        ],
    )


def ensure_notifications(settings: NotifySettings) -> list[str]:
    """Create or update, by name, the blocks of the configured channels and one automation per
    kind of news; running it again changes nothing. The names of the automations in place.

    With nothing configured, this project's automations are removed (nobody is told) and the
    list is empty. Needs PREFECT_API_URL (or the current Prefect settings) to reach the server."""
    from prefect.client.orchestration import get_client

    block_ids = _blocks(settings) if settings.enabled else []
    names = []
    with get_client(sync_client=True) as client:
        ui = ui_base(str(client.api_url))
        for kind, (name, _) in AUTOMATIONS.items():
            existing = client.read_automations_by_name(name)
            if not block_ids:
                for automation in existing:
                    client.delete_automation(automation.id)
                continue
            wanted = _automation(kind, block_ids, ui)
            if existing:
                client.update_automation(existing[0].id, wanted)
                for extra in existing[1:]:
                    client.delete_automation(extra.id)
            else:
                client.create_automation(wanted)
            names.append(name)
    return names
