"""Mediation over HTTP."""

from ninja import Router

router = Router(tags=["mediation"])
