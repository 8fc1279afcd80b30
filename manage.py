#!/usr/bin/env python
import os
import sys


# Batch commands an operator runs on a checkout, as the README shows them: they touch no
# personal data or sessions, so they run without a deployment's SECRET_KEY, like `make run`.
OFFLINE_COMMANDS = {"train_classifier", "classify", "train_answer_check"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if len(sys.argv) > 1 and sys.argv[1] in OFFLINE_COMMANDS:
        os.environ.setdefault("LINLI_OFFLINE_COMMAND", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
