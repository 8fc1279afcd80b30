"""Demo data for mediation."""


def load(world, rng, now) -> dict[str, int]:
    return {}
