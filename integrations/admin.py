from .open311 import admin as _open311_admin  # noqa: F401
