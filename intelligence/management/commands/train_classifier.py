"""python manage.py train_classifier FILE [FILE...] [--evaluate]

Train the category classifier from JSON Lines of {"title", "body", "label"}
(either text may be empty or missing) and make it the current version. The
summary (examples per label, version) goes to stderr; nothing to stdout.
"""

from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from core.errors import LinliError
from intelligence.classifier import BadLine, read_jsonl

from ._migrated import ensure_migrated


class Command(BaseCommand):
    help = "Train the category classifier from JSON Lines files and make it the current model."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--evaluate", action="store_true",
                            help="also cross-validate (5 folds) and store the figures with the version (slower)")

    def handle(self, *args, files, evaluate, **options):
        from intelligence import services

        try:
            labels = [label for path in files for _t, _b, label in read_jsonl(path, labelled=True)]
        except OSError as error:
            raise CommandError(f"cannot read {error.filename}: {error.strerror}")
        except BadLine as error:
            raise CommandError(str(error))
        ensure_migrated()
        try:
            model = services.category_train_files(paths=files, evaluate=evaluate)
        except LinliError as error:
            raise CommandError(error.message)
        counts = Counter(labels)
        for label, n in counts.most_common():
            self.stderr.write(f"{label}\t{n}")
        summary = f"category model version {model.version} is current: {len(labels)} examples, {len(counts)} labels"
        if evaluate:
            summary += f"; 5-fold macro-F1 {model.evaluation['macro_f1']:.4f}, accuracy {model.evaluation['accuracy']:.4f}"
        self.stderr.write(summary)
