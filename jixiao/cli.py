"""The ``jixiao`` command: Django's management commands under the product's name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jixiao.settings")
    if sys.argv[1:2] == ["serve"]:
        # Read by the settings, so before Django starts: hashed static files, HTTPS.
        os.environ.setdefault("JIXIAO_PRODUCTION", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["jixiao", *sys.argv[1:]])


if __name__ == "__main__":
    main()
