"""``python -m glacier.migrate PATH...``: same as ``glacier migrate PATH...``."""

from __future__ import annotations

import sys

from glacier.migrate.cli import main

if __name__ == "__main__":
    sys.exit(main())
