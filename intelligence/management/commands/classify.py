"""python manage.py classify FILE

Read JSON Lines of {"title", "body"} and print one JSON line {"label", "confidence"}
per record to stdout, in order, with the current category model. Blank lines are
skipped; a malformed line stops it with an error on stderr (exit status 1).
"""

import json

from django.core.management.base import BaseCommand, CommandError

from intelligence.classifier import BadLine, read_jsonl

from ._migrated import ensure_migrated

BATCH = 2000


class Command(BaseCommand):
    help = "Classify JSON Lines of {title, body} with the current category model: one JSON line per record."

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help='JSON Lines of {"title", "body"}; - for stdin')

    def handle(self, *args, file, **options):
        from intelligence.selectors import current_classifier

        try:
            records = read_jsonl("/dev/stdin" if file == "-" else file, labelled=False)
        except OSError as error:
            raise CommandError(f"cannot read {error.filename}: {error.strerror}")
        except BadLine as error:
            raise CommandError(str(error))
        ensure_migrated()
        _row, classifier = current_classifier()
        if classifier is None:
            raise CommandError("no current category model: train one first (python manage.py train_classifier FILE...)")
        for start in range(0, len(records), BATCH):
            chunk = records[start:start + BATCH]
            for label, confidence in classifier.predict([t for t, _ in chunk], [b for _, b in chunk]):
                self.stdout.write(json.dumps({"label": label, "confidence": confidence}, ensure_ascii=False))
        self.stdout.flush()
