"""Checks of AWS KMS key policies for the security tests.

A key policy's ``"Resource": "*"`` means "this key", so the generic no-wildcard rule for
IAM policies does not apply; instead: ``kms:*`` goes to the account root only, and every
service principal's use of the key is limited by a condition.
"""

from __future__ import annotations

import json
from typing import Any


def assert_key_policy(text: str) -> None:
    """Raise AssertionError when a KMS key policy grants more than described above."""
    for st in json.loads(text)["Statement"]:
        if st["Effect"] != "Allow":
            continue
        assert st["Resource"] == "*", st
        principal: dict[str, Any] = st["Principal"]
        if st["Action"] == "kms:*":
            assert set(principal) == {"AWS"} and principal["AWS"].endswith(":root"), st
        else:
            assert set(principal) == {"Service"}, st
            assert st.get("Condition"), st
            assert not any(a in ("*", "kms:*") for a in st["Action"]), st
