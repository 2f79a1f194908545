"""Real local storage servers and helpers shared by the storage tests and the benchmark.

* S3: moto's ThreadedMotoServer (in-process thread).
* Azure Blob: Azurite from npm (``tests/tools/azurite``), a child process.
* GCS: gcp-storage-emulator (in-process thread).

Each ``start_*`` context manager binds a free port on 127.0.0.1 and stops its server on exit.
The benchmark (``benchmarks/storage_io.py``) uses them too.
"""

from __future__ import annotations

import os

# gcsfs tries a gRPC control API on every call unless this is off before it is imported.
os.environ["GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT"] = "false"

import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr

from glacier import Provider
from glacier.backoff import Backoff, poll

REPO = Path(__file__).resolve().parents[2]
AZURITE_DIR = REPO / "tests" / "tools" / "azurite"
AZURITE_BIN = AZURITE_DIR / "node_modules" / ".bin" / "azurite-blob"
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
AWS_KEY_ID = "glacier-test-key"
AWS_SECRET = "glacier-test-secret-0123456789"
GCP_PROJECT = "glacier-test"
#: Bucket every contract test shares (each test writes under its own prefix).
CONTRACT_BUCKET = "glacier-contract"
#: Variables that select or configure a cloud (stripped before a subprocess picks one).
CLOUD_PREFIXES = ("AWS_", "AZURE_", "GCP_", "GOOGLE_", "STORAGE_EMULATOR", "GLACIER_")


def cloudless_env() -> dict[str, str]:
    """This process's environment without any cloud-selecting variable."""
    return {k: v for k, v in os.environ.items() if not k.startswith(CLOUD_PREFIXES)}


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class AzuriteMissingError(RuntimeError):
    """The Azurite npm package is not installed under tests/tools/azurite."""


def wait_for_port(
    port: int, timeout: float = 20.0, proc: subprocess.Popen[bytes] | None = None
) -> None:
    """Block until something accepts connections on ``port`` (PollTimeoutError, a
    TimeoutError, after ``timeout`` seconds)."""

    def listening() -> bool | None:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        except OSError:
            return None
        return True

    # Not tests.polling: benchmarks/storage_io.py imports this module by path.
    poll(
        listening,
        timeout=timeout,
        backoff=Backoff(0.05, factor=1),
        what=f"a server listening on 127.0.0.1:{port}",
    )


@dataclass
class Server:
    """A running storage server: how to reach it, as config and as environment variables."""

    name: str
    endpoint: str
    env: dict[str, str] = field(default_factory=dict)


def create_s3_bucket(endpoint: str, name: str) -> None:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=AWS_KEY_ID,
        aws_secret_access_key=AWS_SECRET,
    )
    client.create_bucket(Bucket=name)


def aws_provider(endpoint: str) -> Provider:
    from glacier.config import AwsConfig

    return Provider(
        AwsConfig(
            region="us-east-1",
            endpoint_url=endpoint,
            access_key_id=AWS_KEY_ID,
            secret_access_key=SecretStr(AWS_SECRET),
        )
    )


def azurite_connection_string(endpoint: str) -> str:
    return (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};"
        f"AccountKey={AZURITE_KEY};BlobEndpoint={endpoint};"
    )


def create_container(endpoint: str, name: str) -> None:
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient.from_connection_string(azurite_connection_string(endpoint))
    service.create_container(name)


def azure_provider(endpoint: str) -> Provider:
    from glacier.config import AzureConfig

    return Provider(
        AzureConfig(
            storage_account=AZURITE_ACCOUNT,
            account_key=SecretStr(AZURITE_KEY),
            endpoint=endpoint,
        )
    )


def create_gcs_bucket(endpoint: str, name: str) -> None:
    import gcsfs

    fs = gcsfs.GCSFileSystem(
        endpoint_url=endpoint, token="anon", project=GCP_PROJECT, skip_instance_cache=True
    )
    fs.mkdir(name)


def gcp_provider(endpoint: str) -> Provider:
    from glacier.config import GcpConfig

    return Provider(GcpConfig(project=GCP_PROJECT, endpoint_url=endpoint))


@contextmanager
def start_moto() -> Iterator[Server]:
    """moto's S3 server in a thread."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        yield Server(
            "s3",
            endpoint,
            env={
                "AWS_REGION": "us-east-1",
                "AWS_ENDPOINT_URL": endpoint,
                "AWS_ACCESS_KEY_ID": AWS_KEY_ID,
                "AWS_SECRET_ACCESS_KEY": AWS_SECRET,
            },
        )
    finally:
        server.stop()


@contextmanager
def start_azurite(workdir: Path) -> Iterator[Server]:
    """Azurite's blob service as a child process (in-memory, no telemetry)."""
    if not AZURITE_BIN.exists():
        raise AzuriteMissingError(
            f"Azurite is not installed ({AZURITE_BIN} is missing). Run the setup script, or "
            f"`npm ci --prefix {AZURITE_DIR.relative_to(REPO)}`, then run the tests again."
        )
    port = free_port()
    proc = subprocess.Popen(
        [
            str(AZURITE_BIN),
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            str(port),
            "--inMemoryPersistence",
            "--skipApiVersionCheck",
            "--loose",
            "--silent",
            "--disableTelemetry",
        ],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, proc=proc)
        endpoint = f"http://127.0.0.1:{port}/{AZURITE_ACCOUNT}"
        yield Server(
            "azure",
            endpoint,
            env={"AZURE_STORAGE_CONNECTION_STRING": azurite_connection_string(endpoint)},
        )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextmanager
def start_gcs() -> Iterator[Server]:
    """gcp-storage-emulator in a thread (in-memory)."""
    from gcp_storage_emulator.server import create_server

    server = create_server("127.0.0.1", 0, in_memory=True)
    server.start()
    port = server._api._httpd.server_address[1]
    endpoint = f"http://127.0.0.1:{port}"
    try:
        yield Server(
            "gcs",
            endpoint,
            env={
                "GCP_PROJECT": GCP_PROJECT,
                "STORAGE_EMULATOR_HOST": endpoint,
                "GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT": "false",
            },
        )
    finally:
        server.stop()
