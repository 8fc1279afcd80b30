"""Settings for the test suite: the production settings with test-only environment."""

import os
import tempfile

os.environ.setdefault("LINLI_TESTING", "1")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="linli-media-"))
os.environ.setdefault("TASK_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

from config.settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; production uses Argon2
DATABASES["default"]["CONN_MAX_AGE"] = 0  # live-server threads must not keep PostgreSQL connections open
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Empties the tables after a transactional or browser test with DELETE, not a slow TRUNCATE.
    DATABASES["default"]["ENGINE"] = "testing.postgres"
    # Nothing a test commits needs to survive a crash: commits (the database's creation, the
    # flush after each transactional or browser test) need not wait for the disk.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"
