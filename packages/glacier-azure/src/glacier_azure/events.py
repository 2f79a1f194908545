"""Start the driver from one queued blob event: the command of the Azure trigger job.

Container Apps starts an event-driven job when its KEDA ``azure-queue`` rule sees a message,
but cannot hand the message to the container. This module is the job's command::

    python -m glacier_azure.events --queue https://<account>.queue.core.windows.net/<queue> \\
        --trigger-id <id> <module>:<pipeline>

It takes one message (invisible to others for ``--visibility`` seconds), reads the Event Grid
``Microsoft.Storage.BlobCreated`` event in it, and runs ``glacier run <entry> --event-uri
abfs://<container>@<account>.dfs.core.windows.net/<key> --event-version <etag> --trigger-id
<id>``; the runtime claims the object version first, so a repeated event runs nothing.
Then the message is deleted when the run ended (exit 0: done, skipped or not matched; exit 1:
the pipeline failed, alerts report it). Any other exit (the run could not start: a
configuration or record error) leaves the message to reappear and be retried, at most
``MAX_DEQUEUES`` times. The queue is reached with the job's managed identity (Entra ID
token, ``AZURE_CLIENT_ID``) over the Queue service REST API.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlparse
from xml.etree import ElementTree

#: Queue service API version (Entra ID tokens need 2017-11-09 or later).
API_VERSION = "2021-12-02"
SCOPE = "https://storage.azure.com/.default"
#: A message that could not start a run this often is dropped (and reported).
MAX_DEQUEUES = 5
#: glacier run exit codes after which the event is done (ran, skipped, or the run failed).
DONE_CODES = (0, 1)


class EventError(ValueError):
    """The message is not a blob-created event this job can run."""


@dataclass(frozen=True)
class Message:
    id: str
    pop_receipt: str
    dequeue_count: int
    text: str


@dataclass(frozen=True)
class BlobEvent:
    """The object a BlobCreated event names, as the runtime's trigger sees it."""

    uri: str
    version: str


def parse_event(text: str) -> BlobEvent:
    """The object URI (``abfs://container@account.dfs.core.windows.net/key``, the form of
    Glacier's Azure buckets) and version (the blob's ETag) of an Event Grid BlobCreated event,
    given as JSON or base64-encoded JSON (one event, or a list of one)."""
    data = _json(text)
    if isinstance(data, list):
        if len(data) != 1:
            raise EventError(f"expected one event per message, got {len(data)}")
        data = data[0]
    if not isinstance(data, dict):
        raise EventError("the message is not an Event Grid event (a JSON object)")
    kind = data.get("eventType") or data.get("type")
    if kind != "Microsoft.Storage.BlobCreated":
        raise EventError(f"event type {kind!r} is not Microsoft.Storage.BlobCreated")
    body = data.get("data")
    if not isinstance(body, dict) or not isinstance(body.get("url"), str):
        raise EventError("the event has no data.url")
    url = urlparse(body["url"])
    host = url.hostname or ""
    account = host.split(".", 1)[0]
    container, _, key = unquote(url.path).lstrip("/").partition("/")
    if not account or not container or not key:
        raise EventError(f"data.url {body['url']!r} names no blob")
    version = str(body.get("eTag") or body.get("sequencer") or "")
    if not version:
        raise EventError("the event has neither data.eTag nor data.sequencer")
    return BlobEvent(f"abfs://{container}@{account}.dfs.core.windows.net/{key}", version)


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return json.loads(base64.b64decode(text, validate=True).decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise EventError("the message is neither JSON nor base64-encoded JSON") from None


class QueueClient:
    """The three Queue service calls this job makes, authorized by an Entra ID token."""

    def __init__(self, url: str, token: Callable[[], str], timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self.timeout = timeout

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token()}", "x-ms-version": API_VERSION}

    def receive(self, visibility: int) -> Message | None:
        import requests

        response = requests.get(
            f"{self.url}/messages",
            params={"numofmessages": "1", "visibilitytimeout": str(visibility)},
            headers=self._headers(),
            timeout=self.timeout,
        )
        response.raise_for_status()
        return parse_messages(response.text)

    def delete(self, message: Message) -> bool:
        """Delete ``message``; False when it is gone or was taken again (404)."""
        import requests

        response = requests.delete(
            f"{self.url}/messages/{quote(message.id, safe='')}",
            params={"popreceipt": message.pop_receipt},
            headers=self._headers(),
            timeout=self.timeout,
        )
        if response.status_code == 404:
            return False
        response.raise_for_status()
        return True


def parse_messages(xml: str) -> Message | None:
    """The first message of a Get Messages response, or None when the queue was empty."""
    root = ElementTree.fromstring(xml)
    node = root.find("QueueMessage")
    if node is None:
        return None

    def text(tag: str) -> str:
        found = node.find(tag)
        return found.text or "" if found is not None else ""

    return Message(
        id=text("MessageId"),
        pop_receipt=text("PopReceipt"),
        dequeue_count=int(text("DequeueCount") or 1),
        text=text("MessageText"),
    )


def glacier_command() -> list[str]:
    """``glacier`` (the image's entrypoint), else this Python's ``-m glacier``."""
    found = shutil.which("glacier")
    return [found] if found else [sys.executable, "-m", "glacier"]


def handle(
    queue: Any,
    entry: str,
    trigger_id: str,
    *,
    visibility: int = 600,
    run: Callable[[list[str]], int] | None = None,
) -> int:
    """Take one message and start the driver for it (see the module docstring); returns the
    exit code of the job."""
    message = queue.receive(visibility)
    if message is None:
        print("glacier: no queued event (another execution took it)")
        return 0
    try:
        event = parse_event(message.text)
    except EventError as exc:
        print(f"glacier: dropped message {message.id}: {exc}", file=sys.stderr)
        queue.delete(message)
        return 2
    args = [
        *glacier_command(),
        "run",
        entry,
        "--event-uri",
        event.uri,
        "--event-version",
        event.version,
        "--trigger-id",
        trigger_id,
    ]
    print(f"glacier: event for {event.uri} (version {event.version})")
    code = (run or _call)(args)
    if code in DONE_CODES:
        queue.delete(message)
    elif message.dequeue_count >= MAX_DEQUEUES:
        print(
            f"glacier: dropped message {message.id} after {message.dequeue_count} starts that "
            f"could not run (exit {code})",
            file=sys.stderr,
        )
        queue.delete(message)
    return code


def _call(args: list[str]) -> int:
    return subprocess.call(args)


def _token() -> Callable[[], str]:
    from azure.identity import DefaultAzureCredential

    credential = DefaultAzureCredential()
    return lambda: str(credential.get_token(SCOPE).token)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m glacier_azure.events",
        description="Run the pipeline for one queued Event Grid blob event (at most once).",
    )
    parser.add_argument(
        "--queue", required=True, help="https://<account>.queue.core.windows.net/<queue>"
    )
    parser.add_argument("--trigger-id", required=True, help="the OnWrite trigger's id")
    parser.add_argument("--visibility", type=int, default=600, help="seconds the message hides")
    parser.add_argument("entry", help="<module>:<pipeline> (the artifact's entry)")
    args = parser.parse_args(argv)
    queue = QueueClient(args.queue, _token())
    return handle(queue, args.entry, args.trigger_id, visibility=args.visibility)


if __name__ == "__main__":
    raise SystemExit(main())
