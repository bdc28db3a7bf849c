"""Secrets in URLs never reach a message, a stored error or a log line."""

from __future__ import annotations


def test_secrets_in_urls_are_redacted_in_messages_and_logs(caplog) -> None:
    import logging

    from django_convert.printable import install, printable, redact_secrets

    url = "http://x/mp/collect?measurement_id=G-1&api_secret=s3cr3t&token=t0k#frag"
    assert redact_secrets(url) == (
        "http://x/mp/collect?measurement_id=G-1&api_secret=[redacted]&token=[redacted]#frag"
    )
    assert redact_secrets("no query here") == "no query here"
    assert "s3cr3t" not in printable(f"Could not reach GA4: {url}\n")
    install()
    with caplog.at_level(logging.INFO, logger="django_convert"):
        logging.getLogger("django_convert").info("failed: %s", url)
    assert "s3cr3t" not in caplog.text
    assert "api_secret=[redacted]" in caplog.text
