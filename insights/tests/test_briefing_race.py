"""Two people generating the same briefing at once: one row, both succeed, the
later one replaces the earlier (version 2), and only the current file is kept.
Run on PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli_briefings \\
        .venv/bin/python -m pytest insights/tests/test_briefing_race.py -q
"""

import pytest

from core.models import AuditLog
from insights import briefings as B
from insights.models import Briefing
from testing.concurrency import needs_real_locks, race
from testing.world import build_world

from .street import START


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_generate_the_same_briefing_at_once():
    needs_real_locks()
    world = build_world()
    street_staff, community_staff = world.users["street_staff"], world.users["community_staff"]
    community = world.communities[0]
    results = race(
        lambda: B.briefing_generate(actor=street_staff, scope=community, kind="month", start=START),
        lambda: B.briefing_generate(actor=community_staff, scope=community, kind="month", start=START),
    )
    assert all(error is None for _r, error in results), results
    briefing = Briefing.objects.get()
    assert briefing.version == 2
    assert {r.pk for r, _e in results} == {briefing.pk}
    actions = sorted(AuditLog.objects.filter(action__startswith="briefing.").values_list("action", flat=True))
    assert actions == ["briefing.generate", "briefing.replace"]
    # The earlier file is removed once the replacement commits; the current one is there.
    storage = briefing.file.storage
    assert storage.exists(briefing.file.name)
    others = {r.file.name for r, _e in results} - {briefing.file.name}
    assert all(not storage.exists(name) for name in others)
