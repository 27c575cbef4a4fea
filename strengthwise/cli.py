"""`strengthwise` — the command line (DESIGN.md §6).

Every Django management command is available; names may be written with hyphens
(`strengthwise verify-audit` runs the `verify_audit` command).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strengthwise.settings")
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["strengthwise", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
