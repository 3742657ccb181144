"""The sandbox's SMTP sink and our SMTP sender, over a real SMTP conversation on loopback."""

from __future__ import annotations

import pytest

from journey_assets.connectors.http import PermanentVendorError, TransientVendorError
from journey_assets.connectors.smtp_mail import Attachment, SmtpSettings, build_message, send
from journey_assets.sandbox.mail_sink import MailSink, read_mailbox


@pytest.fixture
def sink(tmp_path):
    with MailSink(tmp_path / "mail") as running:
        yield running


def message(recipients=("a@example.com", "b@example.com")):
    return build_message(
        "reports@example.com",
        list(recipients),
        "Weekly report",
        '<p>hello</p><img src="cid:{cid}">',
        text="hello",
        inline_png=b"\x89PNG\r\n\x1a\nfake",
        attachments=[Attachment("report.html", b"<html>r</html>", "text", "html")],
    )


def test_a_sent_message_is_kept_in_memory_and_as_a_file_another_process_can_read(sink):
    send(SmtpSettings(sink.host, sink.port, "reports@example.com"), message())
    [kept] = sink.messages
    [from_disk] = read_mailbox(sink.directory)
    for mail in (kept, from_disk):
        assert mail.sender == "reports@example.com"
        assert mail.recipients == ("a@example.com", "b@example.com")
        assert mail.message["Subject"] == "Weekly report"
        [attachment] = list(mail.message.iter_attachments())
        assert attachment.get_filename() == "report.html" and attachment.get_content() == "<html>r</html>"
        html = mail.message.get_body(preferencelist=("html",)).get_content()
        assert "cid:{cid}" not in html and "cid:" in html


def test_no_host_or_no_server_is_a_clear_error_without_the_password(tmp_path):
    with pytest.raises(PermanentVendorError, match="no SMTP host"):
        send(SmtpSettings("", 25, "x@example.com"), message())
    with MailSink(tmp_path / "gone") as stopped:
        port = stopped.port
    with pytest.raises(TransientVendorError, match="unreachable") as caught:
        send(SmtpSettings("127.0.0.1", port, "x@example.com", password="hunter2-secret", timeout=5), message())
    assert "hunter2-secret" not in str(caught.value)
