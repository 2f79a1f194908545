"""Azure storage connection strings: parsing, and the account one is for."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

#: Azurite's documented development account (``UseDevelopmentStorage=true``).
DEV_ACCOUNT = "devstoreaccount1"
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
DEV_ENDPOINT = "http://127.0.0.1:10000/devstoreaccount1"


def parse_connection_string(value: str) -> dict[str, str]:
    """``Key=Value;...`` pairs with lower-cased keys (values may contain ``=``)."""
    pairs: dict[str, str] = {}
    for part in value.split(";"):
        key, sep, val = part.partition("=")
        if sep and key.strip():
            pairs[key.strip().lower()] = val.strip()
    if pairs.get("usedevelopmentstorage", "").lower() == "true":
        pairs.setdefault("accountname", DEV_ACCOUNT)
        pairs.setdefault("accountkey", DEV_KEY)
        pairs.setdefault("blobendpoint", DEV_ENDPOINT)
    return pairs


def account_of(parts: Mapping[str, str]) -> str | None:
    """The account a parsed connection string is for: ``AccountName``, else the account in
    its ``BlobEndpoint`` (``https://<account>.blob...`` or Azurite's ``http://host/<account>``)."""
    if parts.get("accountname"):
        return parts["accountname"]
    endpoint = parts.get("blobendpoint")
    if not endpoint:
        return None
    url = urlsplit(endpoint)
    host = url.hostname or ""
    if ".blob." in host:
        return host.split(".", 1)[0]
    first = url.path.strip("/").split("/", 1)[0]
    return first or None
