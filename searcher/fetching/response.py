"""What one GET gives: a :class:`Response`, or a :class:`FetchError` saying why not."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message


class FetchError(Exception):
    """A feed or page that could not be fetched or read (the message is the reason)."""

    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.status = status  # the HTTP status, when the server answered


class RoundOver(FetchError):
    """The run's time is up (``round_seconds``): what is left waits for the next run."""


@dataclass(frozen=True)
class Response:
    url: str  # after redirects
    status: int  # 200, or 304 (not modified: no body)
    headers: Message
    body: bytes = b""

    @property
    def content_type(self) -> str:
        return self.headers.get_content_type() if self.headers else ""
