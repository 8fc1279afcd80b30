import time

from django.core.management.base import BaseCommand

from demo import world as demo


class Command(BaseCommand):
    help = "Load the 凤凰岭街道 demo world once (skipped when it is already there)."

    def add_arguments(self, parser):
        parser.add_argument("--appeals", type=int, default=600, help="how many demo appeals (max 600)")
        parser.add_argument("--seed", type=int, default=20261122)

    def handle(self, *args, appeals, seed, **options):
        if demo.already_loaded():
            self.stdout.write("Demo world already loaded.")
        else:
            started = time.monotonic()
            self.stdout.write("Loading the 凤凰岭街道 demo world …")
            self.stdout.write(self._answer_check_model())
            world = demo.load(appeals=appeals, seed=seed)
            tally = ", ".join(f"{k} {v}" for k, v in sorted(world.tally.items()))
            self.stdout.write(f"Loaded in {time.monotonic() - started:.0f}s: {tally}")
            self.stdout.write(self._train_category_model())
        self.stdout.write("")
        self.stdout.write(f"Demo log-ins (password for all: {demo.DEMO_PASSWORD}):")
        for login, what in demo.ACCOUNTS:
            self.stdout.write(f"  {login:<14} {what}")

    def _answer_check_model(self) -> str:
        """So the demo's answers are checked as they come, without training inside the first one."""
        from intelligence import answers

        model = answers.ensure_answer_model()[0]
        return f"Answer check: model version {model.version} (shipped with the project)"

    def _train_category_model(self) -> str:
        """So the demo suggests categories at once: a first model from its closed appeals."""
        from core.errors import LinliError
        from intelligence import services as intelligence

        try:
            model = intelligence.category_train_platform()
        except LinliError as error:
            return f"Category suggestion: no model ({error.message})"
        return (f"Category suggestion: model version {model.version} from {model.trained_on} closed appeals, "
                f"cross-validated macro-F1 {model.evaluation['macro_f1']:.2f}")
