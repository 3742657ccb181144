"""Mail over SMTP (the report's delivery): stdlib `smtplib` and `email`, which are made for it.

One message: a short HTML body with the key chart inline (a `cid:` part,
which mail clients show where they block `data:` images) and the full report
attached as its HTML file. STARTTLS and a login when configured (prod, any
relay: Google Workspace, SendGrid, SES); the password never appears in an
error. Delivery failures map to the project's vendor errors: a refused
recipient or a rejected login is permanent, a dropped connection transient.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid

from journey_assets.connectors.http import PermanentVendorError, TransientVendorError

VENDOR = "smtp"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str
    subtype: str


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    starttls: bool = False
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0


def build_message(
    sender: str,
    recipients: Sequence[str],
    subject: str,
    html: str,
    *,
    text: str,
    inline_png: bytes | None = None,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    """`html` may reference the inline image as `{cid}`; it is replaced by the part's content id."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, ", ".join(recipients), subject
    message.set_content(text)
    cid = make_msgid(domain="dealer-journey.local")
    message.add_alternative(html.replace("{cid}", cid[1:-1]), subtype="html")
    if inline_png is not None:
        html_part = message.get_body(preferencelist=("html",))  # the alternative just added
        if html_part is None:
            raise ValueError("the message has no HTML part to attach the chart to")
        html_part.add_related(inline_png, maintype="image", subtype="png", cid=cid, filename="key-chart.png")
    for attachment in attachments:
        message.add_attachment(
            attachment.content, maintype=attachment.maintype, subtype=attachment.subtype, filename=attachment.filename
        )
    return message


def send(settings: SmtpSettings, message: EmailMessage) -> None:
    if not settings.host:
        raise PermanentVendorError(VENDOR, "no SMTP host configured")
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as client:
            if settings.starttls:
                client.starttls(context=ssl.create_default_context())
            if settings.username:
                client.login(settings.username, settings.password)
            refused = client.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise PermanentVendorError(VENDOR, f"login refused ({exc.smtp_code})", status=exc.smtp_code) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentVendorError(VENDOR, f"every recipient refused: {', '.join(exc.recipients)}") from None
    except smtplib.SMTPResponseException as exc:
        kind = TransientVendorError if 400 <= exc.smtp_code < 500 else PermanentVendorError
        raise kind(VENDOR, f"server answered {exc.smtp_code}", status=exc.smtp_code) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise TransientVendorError(
            VENDOR, f"{settings.host}:{settings.port} unreachable: {type(exc).__name__}"
        ) from None
    if refused:
        raise PermanentVendorError(VENDOR, f"recipients refused: {', '.join(sorted(refused))}")
