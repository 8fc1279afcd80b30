"""Demo data for visits."""


def load(world, rng, now) -> dict[str, int]:
    return {}
