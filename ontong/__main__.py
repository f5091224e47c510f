"""The `ontong` console script: Django's manage.py with Ontong's settings."""

import os
import sys

from django.core.management import execute_from_command_line


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ontong.settings")
    execute_from_command_line(["ontong", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
