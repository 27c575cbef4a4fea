"""Mail on a development machine: the console backend writes messages to the server's output —
its log — so a message that carries a secret (a portal invitation code) is written without its
body. Mark such a message with `SECRET_HEADER` (harmless in real mail)."""

from __future__ import annotations

from typing import Any

from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend

SECRET_HEADER = "X-Strengthwise-Carries-Secret"


class ConsoleBackend(DjangoConsoleBackend):
    def write_message(self, message: Any) -> None:
        if SECRET_HEADER in (message.extra_headers or {}):
            recipients = ", ".join(message.recipients())
            self.stream.write(
                f"Subject: {message.subject}\nTo: {recipients}\n"
                "[body withheld from the log: it carries a one-time secret]\n" + "-" * 79 + "\n"
            )
            return
        super().write_message(message)
