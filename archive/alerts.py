"""Telling an operator that an audit found a problem, without them reading logs.

Two optional channels, set in the config's ``audit.alerts``: a webhook (an HTTP POST of JSON,
with a ``text`` field that Slack, Mattermost and Teams incoming webhooks show as is) and e-mail
through an SMTP server. Sending never raises: a channel that fails is reported back to the
caller, who says so, because a lost alert must not hide the audit's own verdict.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from archive import SOFTWARE

__all__ = ["AlertSettings", "alert_text", "send_alerts"]


@dataclass(frozen=True)
class AlertSettings:
    webhook: str | None = None
    email_to: tuple[str, ...] = ()
    email_from: str = "news-archive@localhost"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    timeout: float = 10.0

    @property
    def any(self) -> bool:
        return bool(self.webhook or self.email_to)


def alert_text(summary: dict[str, Any]) -> str:
    """A short plain-text account of an audit summary (``AuditSummary.to_json()``)."""
    lines = [f"Fixity audit of {', '.join(summary['roots'])}: {summary['invalid']} of {summary['checked']} "
             f"bag(s) failed ({summary['valid']} valid, {summary['skipped']} skipped, "
             f"{summary['bytes']:,} bytes checked). Events: {summary['log']}"]
    for bag in summary["problems"][:20]:
        lines.append(f"- {bag['bag']}: {bag['problem_count']} problem(s)")
        lines += [f"    {p}" for p in bag["problems"][:5]]
    if len(summary["problems"]) > 20:
        lines.append(f"- and {len(summary['problems']) - 20} more bag(s)")
    return "\n".join(lines)


def send_alerts(settings: AlertSettings, summary: dict[str, Any]) -> list[str]:
    """Send ``summary`` through every configured channel; returns one message per failure."""
    failures: list[str] = []
    text = alert_text(summary)
    if settings.webhook:
        import httpx  # here, not at the top: the config imports this module, most commands never alert

        try:
            response = httpx.post(settings.webhook, json={"text": text, "audit": summary},
                                  headers={"User-Agent": SOFTWARE},
                                  timeout=settings.timeout, follow_redirects=False)
            if response.status_code >= 300:
                failures.append(f"webhook {settings.webhook}: HTTP {response.status_code}")
        except httpx.HTTPError as exc:
            failures.append(f"webhook {settings.webhook}: {type(exc).__name__}: {exc}")
    if settings.email_to:
        message = EmailMessage()
        message["Subject"] = f"[news-archive] fixity audit: {summary['invalid']} bag(s) failed"
        message["From"] = settings.email_from
        message["To"] = ", ".join(settings.email_to)
        message.set_content(text)
        try:
            with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout) as smtp:
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            failures.append(f"e-mail via {settings.smtp_host}:{settings.smtp_port}: {type(exc).__name__}: {exc}")
    return failures
