"""Reads of mediation."""

import datetime as dt


def figures(community_ids: list[int] | None, start: dt.datetime | None, end: dt.datetime | None) -> list[dict]:
    """The mediation part of the figures page."""
    return []
