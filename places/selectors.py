"""Reads of places."""

import datetime as dt


def figures(community_ids: list[int] | None, start: dt.datetime | None, end: dt.datetime | None) -> list[dict]:
    """The places part of the figures page."""
    return []
