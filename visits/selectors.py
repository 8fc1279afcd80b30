"""Reads of visits."""

import datetime as dt


def figures(community_ids: list[int] | None, start: dt.datetime | None, end: dt.datetime | None) -> list[dict]:
    """The visits part of the figures page."""
    return []
