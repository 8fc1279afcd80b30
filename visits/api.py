"""Visits and patrols over HTTP."""

from ninja import Router

router = Router(tags=["visits"])
