"""The Azure trigger job's command end to end: queued Event Grid events on a real queue
service run the pipeline once per object version.

Azurite's queue service runs over HTTPS with its OAuth check on (``--oauth basic``: it checks
a bearer token's audience, issuer and times, not its signature, and refuses requests without
one), so :class:`glacier_azure.events.QueueClient` talks to it exactly as to Azure Storage with
an Entra ID token. ``glacier run`` runs in-process; the task records each run in a file.
"""

from __future__ import annotations

import base64
import datetime
import json
import subprocess
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from glacier.cli.main import main
from tests.storage.storage_servers import AZURITE_DIR, free_port, wait_for_port

QUEUE_BIN = AZURITE_DIR / "node_modules" / ".bin" / "azurite-queue"
ACCOUNT = "devstoreaccount1"
TENANT = "ab1f708d-50f6-404c-a006-d71b2ac7a606"

PIPELINE = """
    from pathlib import Path

    from glacier import Provider, pipeline, task
    from glacier.config import AzureConfig
    from glacier.schedule import OnWrite

    HERE = Path(__file__).parent
    provider = Provider(config=AzureConfig(location="westeurope", storage_account="shoplake01"))
    landing = provider.bucket("lake", path="landing/")


    @task
    def count(value: str) -> None:
        with open(HERE / "runs.txt", "a") as fh:
            fh.write(value + "\\n")


    @pipeline(name="ingest", triggers=[OnWrite(landing, suffix=".parquet", param="uri")])
    def ingest(uri: str) -> None:
        count(uri)
"""


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (Azurite's OAuth mode needs HTTPS)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _token(audience: str = "https://storage.azure.com") -> str:
    """An Entra-ID-shaped access token (unsigned: Azurite's basic mode checks the claims)."""

    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    now = int(time.time())
    claims = {
        "aud": audience,
        "iss": f"https://sts.windows.net/{TENANT}/",
        "tid": TENANT,
        "oid": "driver-identity",
        "iat": now - 60,
        "nbf": now - 60,
        "exp": now + 3600,
    }
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}.signature"


@pytest.fixture
def queue_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A queue on Azurite's queue service (HTTPS, bearer tokens required)."""
    import requests

    if not QUEUE_BIN.exists():
        pytest.skip(f"Azurite is not installed ({QUEUE_BIN}); run npm ci in {AZURITE_DIR}")
    cert, key = _certificate(tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    port = free_port()
    proc = subprocess.Popen(
        [
            str(QUEUE_BIN),
            "--queueHost",
            "127.0.0.1",
            "--queuePort",
            str(port),
            "--inMemoryPersistence",
            "--skipApiVersionCheck",
            "--loose",
            "--silent",
            "--disableTelemetry",
            "--oauth",
            "basic",
            "--cert",
            str(cert),
            "--key",
            str(key),
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, proc=proc)
        url = f"https://127.0.0.1:{port}/{ACCOUNT}/glacier-ingest-on-write"
        headers = {"Authorization": f"Bearer {_token()}", "x-ms-version": "2021-12-02"}
        created = requests.put(url, headers=headers, timeout=30)
        assert created.status_code == 201, created.text
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _event(key: str, etag: str) -> str:
    """An Event Grid BlobCreated event for ``lake/<key>`` of account shoplake01, base64-encoded
    as a queue message."""
    event = {
        "topic": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/"
        "storageAccounts/shoplake01",
        "subject": f"/blobServices/default/containers/lake/blobs/{key}",
        "eventType": "Microsoft.Storage.BlobCreated",
        "eventTime": "2026-11-30T03:00:00Z",
        "id": f"event-{etag}",
        "data": {
            "api": "PutBlockList",
            "eTag": etag,
            "blobType": "BlockBlob",
            "url": f"https://shoplake01.blob.core.windows.net/lake/{key}",
        },
        "dataVersion": "",
        "metadataVersion": "1",
    }
    return base64.b64encode(json.dumps(event).encode()).decode()


def _enqueue(url: str, text: str) -> None:
    import requests

    headers = {"Authorization": f"Bearer {_token()}", "x-ms-version": "2021-12-02"}
    body = f"<QueueMessage><MessageText>{text}</MessageText></QueueMessage>"
    response = requests.post(f"{url}/messages", headers=headers, data=body, timeout=30)
    assert response.status_code == 201, response.text


def test_queued_events_run_the_pipeline_once_per_object_version(
    queue_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from glacier.runs import config as runs_config
    from glacier_azure.events import QueueClient, handle

    (tmp_path / "ops.py").write_text(textwrap.dedent(PIPELINE))
    monkeypatch.setenv("GLACIER_RUNS_URI", str(tmp_path / "records"))
    for var in ("GLACIER_DEPLOYMENT", "GLACIER_STACK", "AZURE_STORAGE_ACCOUNT", "AWS_REGION"):
        monkeypatch.delenv(var, raising=False)
    runs_config._cache.clear()
    entry = f"{tmp_path / 'ops.py'}:ingest"
    # Event Grid delivers at least once: the same object version twice, then a new version,
    # then an object the trigger does not match
    for key, etag in [
        ("landing/day1.parquet", "0x8D1"),
        ("landing/day1.parquet", "0x8D1"),
        ("landing/day1.parquet", "0x8D2"),
        ("landing/day1.csv", "0x8D3"),
    ]:
        _enqueue(queue_url, _event(key, etag))
    queue = QueueClient(queue_url, _token)

    def run(args: list[str]) -> int:
        return main([*args[args.index("run") :], "-q"])

    try:
        codes = [handle(queue, entry, "", run=run) for _ in range(5)]
    finally:
        runs_config._cache.clear()
    assert codes == [0, 0, 0, 0, 0]  # the fifth found the queue empty
    uri = "abfs://lake@shoplake01.dfs.core.windows.net/landing/day1.parquet"
    assert (tmp_path / "runs.txt").read_text().splitlines() == [uri, uri]  # two versions
    assert queue.receive(1) is None  # every message was deleted
    # a wrong token is refused by the queue service: the client really authenticates
    import requests

    with pytest.raises(requests.HTTPError):
        QueueClient(queue_url, lambda: _token("https://example.com")).receive(1)
