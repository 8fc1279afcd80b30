"""Demo data for deliberation."""


def load(world, rng, now) -> dict[str, int]:
    return {}
