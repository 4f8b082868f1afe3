"""Where the coordinator's notifications go: SMTP e-mail (the default channel), and optionally a
Microsoft Teams or Slack webhook. Configured once, in a small YAML file or in the environment;
flows/notifications.py turns these settings into Prefect blocks and automations.

The file (its path in LOFTE_NOTISER, or passed explicitly)::

    smtp:
      server: smtp.kommun.se
      port: 587                 # standard: 587 för starttls, 465 för ssl, 25 för none
      sakerhet: starttls        # starttls, ssl eller none
      anvandare: lofte-notiser  # utelämna båda för en server utan inloggning
      losenord: ...             # hellre i LOFTE_SMTP_LOSENORD
      fran: Medborgarlöften <lofte@kommun.se>
      till:
        - samordnare@kommun.se
    teams: https://...          # valfritt: Teams-arbetsflödets webhook-adress
    slack: https://hooks.slack.com/services/...   # valfritt

Each value can also be given, or overridden, by an environment variable (ENV below). Nothing set
means no notifications. The password and the webhook addresses are kept as secrets: never
printed, logged or put in an error message.

Prefect-free: `lofte` and the Prefect server both import it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Literal, cast

import yaml
from pydantic import BaseModel, ConfigDict, SecretStr

from lofte_pipeline.errors import LofteError

SETTINGS_FILE = "LOFTE_NOTISER"
Security = Literal["starttls", "ssl", "none"]
SECURITY: tuple[Security, ...] = ("starttls", "ssl", "none")
DEFAULT_PORTS: dict[str, int] = {"starttls": 587, "ssl": 465, "none": 25}
MAX_FILE_BYTES = 64 * 1024

# (section in the file, key in the file) -> environment variable
ENV: dict[tuple[str | None, str], str] = {
    ("smtp", "server"): "LOFTE_SMTP_SERVER",
    ("smtp", "port"): "LOFTE_SMTP_PORT",
    ("smtp", "sakerhet"): "LOFTE_SMTP_SAKERHET",
    ("smtp", "anvandare"): "LOFTE_SMTP_ANVANDARE",
    ("smtp", "losenord"): "LOFTE_SMTP_LOSENORD",
    ("smtp", "fran"): "LOFTE_SMTP_FRAN",
    ("smtp", "till"): "LOFTE_SMTP_TILL",
    (None, "teams"): "LOFTE_TEAMS_WEBHOOK",
    (None, "slack"): "LOFTE_SLACK_WEBHOOK",
}
SMTP_KEYS = tuple(key for section, key in ENV if section == "smtp")
TOP_KEYS = ("smtp", *(key for section, key in ENV if section is None))

_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.\-]*[A-Za-z0-9])?$|^\[?[0-9A-Fa-f:.]+\]?$")


class SmtpSettings(BaseModel):
    """One SMTP server and the people it sends to."""

    model_config = ConfigDict(frozen=True)

    host: str
    port: int
    security: Security = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    sender: str
    recipients: tuple[str, ...]

    @property
    def sender_address(self) -> str:
        return parseaddr(self.sender)[1]


class NotifySettings(BaseModel):
    """All channels; none set means nobody is told anything."""

    model_config = ConfigDict(frozen=True)

    smtp: SmtpSettings | None = None
    teams_webhook: SecretStr | None = None
    slack_webhook: SecretStr | None = None
    source: str = ""

    @property
    def enabled(self) -> bool:
        return bool(self.smtp or self.teams_webhook or self.slack_webhook)


def _error(text: str, where: str) -> LofteError:
    suffix = f" ({where})" if where else ""
    return LofteError(f"Aviseringarna är felaktigt inställda{suffix}: {text}")


def _read_file(path: Path) -> dict[str, Any]:
    where = str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise _error(f"filen är större än {MAX_FILE_BYTES // 1024} kB.", where)
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _error(f"filen finns inte. Rätta {SETTINGS_FILE} eller skapa filen.", where) from None
    except UnicodeDecodeError:
        raise _error("filen är inte UTF-8-text.", where) from None
    except OSError as exc:
        raise _error(f"filen kan inte läsas ({exc.strerror or exc}).", where) from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" på rad {mark.line + 1}" if mark is not None else ""
        raise _error(f"filen är inte giltig YAML{line}.", where) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise _error("filen ska vara en lista av nycklar, t.ex. smtp: och teams:.", where)
    unknown = sorted(str(key) for key in data if key not in TOP_KEYS)
    if unknown:
        raise _error(
            f"okänd nyckel {', '.join(unknown)}; tillåtna är {', '.join(TOP_KEYS)}.", where
        )
    smtp = data.get("smtp")
    if smtp is not None and not isinstance(smtp, dict):
        raise _error("smtp: ska innehålla nycklar som server:, fran: och till:.", where)
    unknown = sorted(str(key) for key in smtp or {} if key not in SMTP_KEYS)
    if unknown:
        raise _error(
            f"okänd nyckel smtp.{', smtp.'.join(unknown)}; tillåtna är {', '.join(SMTP_KEYS)}.",
            where,
        )
    return data


def _recipients(value: Any, name: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        items = [part.strip() for part in re.split(r"[,;\n]", value)]
    elif isinstance(value, list):
        items = [str(part).strip() for part in value]
    else:
        raise _error(f"{name} ska vara en eller flera e-postadresser.", where)
    recipients = tuple(item for item in items if item)
    if not recipients:
        raise _error(f"{name} saknas: ange minst en mottagare.", where)
    for item in recipients:
        if not _ADDRESS.match(item):
            raise _error(f"{name}: {item!r} är ingen e-postadress.", where)
    return recipients


def _smtp(values: dict[str, Any], names: dict[str, str], where: str) -> SmtpSettings | None:
    if not any(values.get(key) not in (None, "") for key in SMTP_KEYS):
        return None

    def text(key: str) -> str | None:
        value = values.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, bool | list | dict):
            raise _error(f"{names[key]} ska vara text.", where)
        return str(value).strip()

    host = text("server")
    if host is None:
        raise _error(f"{names['server']} saknas: ange SMTP-serverns namn.", where)
    if not _HOST.match(host):
        raise _error(f"{names['server']}: {host!r} är inget servernamn.", where)
    security = (text("sakerhet") or "starttls").lower()
    if security not in SECURITY:
        raise _error(
            f"{names['sakerhet']} ska vara starttls, ssl eller none, inte {security!r}.", where
        )
    port_text = text("port")
    if port_text is None:
        port = DEFAULT_PORTS[security]
    else:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise _error(f"{names['port']} ska vara ett portnummer 1–65535.", where)
        port = int(port_text)
    username, password = text("anvandare"), values.get("losenord")
    if password is not None and not isinstance(password, str):
        password = str(password)
    if password == "":
        password = None
    if bool(username) != bool(password):
        missing = names["losenord"] if username else names["anvandare"]
        raise _error(
            f"{missing} saknas: ange både användare och lösenord, eller ingetdera för en "
            "server utan inloggning.",
            where,
        )
    if not (username or "").isascii() or not (password or "").isascii():
        # smtplib sends the login as ASCII, so such a login could never succeed.
        raise _error(
            f"{names['anvandare']} och {names['losenord']} kan bara innehålla tecken utan "
            "å, ä, ö och andra bokstäver utanför ASCII: SMTP-inloggningen tar inga andra.",
            where,
        )
    sender = text("fran")
    if sender is None:
        raise _error(f"{names['fran']} saknas: ange avsändaradressen.", where)
    if not _ADDRESS.match(parseaddr(sender)[1]):
        raise _error(f"{names['fran']}: {sender!r} är ingen e-postadress.", where)
    if values.get("till") in (None, ""):
        raise _error(f"{names['till']} saknas: ange minst en mottagare.", where)
    return SmtpSettings(
        host=host,
        port=port,
        security=cast(Security, security),
        username=username,
        password=SecretStr(password) if password else None,
        sender=sender,
        recipients=_recipients(values["till"], names["till"], where),
    )


def _webhook(value: Any, name: str, where: str) -> SecretStr | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or not re.match(r"^https://[^\s/]+/\S*$", value.strip()):
        raise _error(f"{name} ska vara en webbadress som börjar med https://.", where)
    return SecretStr(value.strip())


def load_settings(
    path: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> NotifySettings:
    """The settings from the file (`path`, else the one named in LOFTE_NOTISER, else none), each
    value overridden by its environment variable when that is set and not empty."""
    environ = os.environ if environ is None else environ
    if path is None and environ.get(SETTINGS_FILE, "").strip():
        path = environ[SETTINGS_FILE].strip()
    data = _read_file(Path(path)) if path is not None else {}
    smtp_values: dict[str, Any] = dict(data.get("smtp") or {})
    top_values: dict[str, Any] = {key: data.get(key) for key in TOP_KEYS if key != "smtp"}
    names: dict[str, str] = {}
    from_env: list[str] = []
    for (section, key), variable in ENV.items():
        target = smtp_values if section == "smtp" else top_values
        names[key] = f"smtp.{key}" if section == "smtp" else key
        value = environ.get(variable, "")
        if value.strip():
            target[key] = value
            names[key] = variable
            from_env.append(variable)
        elif path is not None:
            names[key] = f"{names[key]} / {variable}"
        else:
            names[key] = variable
    sources = [str(path)] if path is not None else []
    if from_env:
        sources.append("miljövariabler")
    where = " och ".join(sources)
    return NotifySettings(
        smtp=_smtp(smtp_values, names, where),
        teams_webhook=_webhook(top_values.get("teams"), names["teams"], where),
        slack_webhook=_webhook(top_values.get("slack"), names["slack"], where),
        source=where,
    )


def describe(settings: NotifySettings) -> str:
    """Where the messages go, in Swedish, in one or two lines (for `lofte serve` and deploy)."""
    if not settings.enabled:
        return (
            "Aviseringar: inga inställda, så ingen får e-post om godkännanden, saknade underlag,\n"
            f"avvisade filer eller misslyckade körningar. Ange {SETTINGS_FILE} eller "
            "LOFTE_SMTP_SERVER (se docs/notifications.md)."
        )
    channels = []
    if settings.smtp:
        smtp = settings.smtp
        login = f", inloggning som {smtp.username}" if smtp.username else ""
        channels.append(
            f"e-post till {', '.join(smtp.recipients)} via {smtp.host}:{smtp.port} "
            f"({smtp.security}{login})"
        )
    if settings.teams_webhook:
        channels.append("Teams")
    if settings.slack_webhook:
        channels.append("Slack")
    listed = (
        channels[0] if len(channels) == 1 else ", ".join(channels[:-1]) + " och " + channels[-1]
    )
    return (
        f"Aviseringar: {listed}.\n"
        "Skickas när en slutlig rapport väntar på godkännande, underlag saknas, en fil avvisas "
        "eller en körning misslyckas."
    )
