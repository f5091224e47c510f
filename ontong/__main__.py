"""The `ontong` console script: Django's manage.py with Ontong's settings."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ontong.settings")
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["serve"]:
        # JSON from the first line: apps log while Django sets up (django-axes' start line),
        # before the serve command itself could switch the format.
        os.environ.setdefault("ONTONG_LOG_JSON", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["ontong", *args])


if __name__ == "__main__":
    main()
