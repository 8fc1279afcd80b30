"""python manage.py train_answer_check FILE [FILE...] [--folds 5]  |  --shipped  |  --rollback

Train the answer check from JSON Lines of appeals with their official reply
(replies.jsonl format: {"title", "body", "reply"}, more fields allowed), store
the cross-validated evaluation with the model and make it the current version.
--shipped installs the model shipped with the project (trained from its fixture)
when there is no answer model yet, so the first answer is checked at once.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from core.errors import LinliError
from intelligence import answers
from intelligence.models import TrainedModel

from ._migrated import ensure_migrated


class Command(BaseCommand):
    help = "Train the answer check from replies.jsonl-format files and make it current."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*")
        parser.add_argument("--folds", type=int, default=5, help="cross-validation folds for the stored evaluation")
        parser.add_argument("--shipped", action="store_true",
                            help="install the model shipped with the project unless an answer model is current")
        parser.add_argument("--rollback", action="store_true", help="instead of training, go back to the previous version")

    def handle(self, *args, files, folds, rollback, shipped, **options):
        if shipped:
            ensure_migrated()
            model = answers.ensure_answer_model()[0]
            self.stdout.write(f"answer check: version {model.version} is current")
            return
        if rollback:
            try:
                model = answers.rollback_answer_model()
            except LinliError as e:
                raise CommandError(e.message)
            self.stdout.write(f"answer check: version {model.version} is current again")
            return
        if not files:
            raise CommandError("give at least one replies.jsonl-format file")
        if folds < 0 or folds == 1:
            raise CommandError("--folds must be 0 (no evaluation) or at least 2")
        rows = []
        for path in files:
            try:
                rows += answers.read_rows(path)
            except OSError as e:
                raise CommandError(f"{path}: {e.strerror}")
            except ValueError as e:
                raise CommandError(f"{path}: {e}")
        try:
            model = answers.train_answer_model(rows, source=TrainedModel.Source.FILES, folds=folds,
                                               note=" ".join(files)[:200])
        except LinliError as e:
            raise CommandError(e.message)
        ev = model.evaluation
        self.stdout.write(json.dumps({
            "version": model.version, "trained_on": model.trained_on,
            **{k: ev[k] for k in ("precision", "recall", "f1", "auc", "official_flagged") if k in ev},
        }, ensure_ascii=False))
