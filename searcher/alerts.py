"""Delivering saved searches' new matches beyond the alert log: a command, a webhook.

:mod:`searcher.watch` writes every match to the alert log exactly once; a
:class:`Pusher` then hands the logged matches to

* a *command* (run by the shell, the JSON below on its standard input, exit
  status 0 meaning delivered), and/or
* a *webhook*: an HTTP(S) ``POST`` of the JSON, ``Content-Type:
  application/json``; any 2xx answer means delivered.

One delivery per saved search with new matches::

    {"watch": "banjir", "query": "banjir bekasi",
     "matches": [{"match": 17, "watch": "banjir", "id": ..., "title": ..., "url": ...,
                  "source": ..., "published": ..., "found": ..., "query": ...}]}

Each attempt has a ``timeout``; a failed attempt is retried ``retries`` times
with doubling pauses (``backoff`` seconds first). A delivery that still fails
is reported and stays pending for the next run. After a crash between a
delivery and its record a delivery may repeat: the ``match`` numbers let a
receiver recognise it.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import urlsplit

from searcher.errors import SearcherError
from searcher.watch import Match

USER_AGENT = "searcher-alerts"


def check_webhook(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SearcherError(f"--alert-webhook: expected an http(s) URL, got {url[:80]!r}")
    return url.strip()


class Pusher:
    """Delivers matches to a command and/or a webhook (see the module's notes)."""

    def __init__(
        self,
        *,
        command: str | None = None,
        webhook: str | None = None,
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if not command and not webhook:
            raise SearcherError("alerts: give a command or a webhook URL to deliver to")
        if timeout <= 0:
            raise SearcherError(f"--alert-timeout: must be more than 0, got {timeout:g}")
        if retries < 0:
            raise SearcherError(f"--alert-retries: must be 0 or more, got {retries}")
        self.command = command
        self.webhook = check_webhook(webhook) if webhook else None
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep

    def __call__(self, matches: list[Match]) -> tuple[list[int], list[str]]:
        """Deliver ``matches``, one delivery per watch: (ids delivered, failures)."""
        by_watch: dict[str, list[Match]] = {}
        for match in matches:
            by_watch.setdefault(match.watch, []).append(match)
        delivered, failures = [], []
        for name, group in by_watch.items():
            body = json.dumps(
                {"watch": name, "query": group[0].query, "matches": [m.to_json() for m in group]},
                ensure_ascii=False,
            ).encode()
            problems = []
            for target, send in (("command", self._run), ("webhook", self._post)):
                if getattr(self, target):
                    problem = self._attempts(send, body)
                    if problem:
                        problems.append(f"{target} for watch {name!r}: {problem}")
            if problems:
                failures.extend(problems)
            else:
                delivered.extend(m.id for m in group)
        return delivered, failures

    def _attempts(self, send: Callable[[bytes], None], body: bytes) -> str | None:
        """None once ``send`` succeeded, else the last attempt's reason."""
        pause = self.backoff
        for attempt in range(self.retries + 1):
            try:
                send(body)
                return None
            except _Failed as failure:
                reason = str(failure)
            if attempt < self.retries:
                self.sleep(pause)
                pause *= 2
        return f"{reason} (after {self.retries + 1} attempts)"

    def _run(self, body: bytes) -> None:
        try:
            done = subprocess.run(
                self.command,
                shell=True,
                input=body,
                timeout=self.timeout,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise _Failed(f"timed out after {self.timeout:g} s") from None
        except OSError as error:
            raise _Failed(error.strerror or str(error)) from None
        if done.returncode != 0:
            last = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
            raise _Failed(f"exit status {done.returncode}" + (f": {last[0][:200]}" if last else ""))

    def _post(self, body: bytes) -> None:
        request = urllib.request.Request(
            self.webhook,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                answer.read(65536)
        except urllib.error.HTTPError as error:
            raise _Failed(f"HTTP {error.code}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", None) or error
            raise _Failed(str(reason)) from None


class _Failed(Exception):
    """One attempt failed (the message says why)."""
