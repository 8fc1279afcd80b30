"""Service points over HTTP."""

from ninja import Router

router = Router(tags=["places"])
