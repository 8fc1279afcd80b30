"""API keys: who may issue and revoke them, the staff page, and two revocations at once."""

import pytest
from django.urls import reverse

from accounts.models import Role
from core.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from core.models import AuditLog
from integrations.models import Open311Jurisdiction, Open311Key
from integrations.open311 import keys
from testing.concurrency import needs_real_locks, race
from testing.factories import RegionFactory, user_with_role
from testing.world import build_world

pytestmark = pytest.mark.django_db
PASSWORD = "pass-word-123"


@pytest.fixture
def world():
    return build_world()


def test_street_staff_issue_a_key_stored_hashed(world):
    key, raw = keys.issue_key(actor=world.users["street_staff"], street_id=world.street.pk, name="区12345平台")
    assert raw.startswith("o311_") and key.key_hash == Open311Key.hash_key(raw) and raw not in key.key_hash
    assert key.prefix == raw[:12] and key.issued_by == world.users["street_staff"]
    assert key.jurisdiction.jurisdiction_id == world.street.code and key.jurisdiction.street == world.street
    assert not key.account.has_usable_password() and key.account.roles.count() == 0
    row = AuditLog.objects.get(action="create", object_type="integrations.open311key")
    assert raw not in str(row.after) and row.after["prefix"] == key.prefix
    second, _raw = keys.issue_key(actor=world.users["street_staff"], street_id=world.street.pk, name="城市大脑")
    assert second.jurisdiction == key.jurisdiction and Open311Jurisdiction.objects.count() == 1


@pytest.mark.parametrize("who", ["resident", "grid_worker", "community_staff", "unit_handler"])
def test_only_admins_and_street_staff_issue(world, who):
    with pytest.raises(NotAllowed):
        keys.issue_key(actor=world.users[who], street_id=world.street.pk, name="某平台")
    assert Open311Key.objects.count() == 0


def test_street_staff_cannot_issue_or_revoke_for_another_street(world):
    other = RegionFactory(code="150302099", name="别的街道", level="street")
    with pytest.raises(ValidationFailed):
        keys.issue_key(actor=world.users["street_staff"], street_id=other.pk, name="某平台")
    admin = user_with_role(Role.ADMIN, username="admin")
    key, _raw = keys.issue_key(actor=admin, street_id=other.pk, name="某平台")
    with pytest.raises(NotFound):
        keys.revoke_key(actor=world.users["street_staff"], key_id=key.pk)
    assert list(keys.visible_keys(world.users["street_staff"])) == []
    assert list(keys.visible_keys(admin)) == [key]


@pytest.mark.parametrize("name", ["", "x", "<b>平台</b>", "名" * 101])
def test_bad_key_name(world, name):
    with pytest.raises(ValidationFailed):
        keys.issue_key(actor=world.users["street_staff"], street_id=world.street.pk, name=name)
    assert Open311Key.objects.count() == 0


def test_revoke_once(world):
    key, raw = keys.issue_key(actor=world.users["street_staff"], street_id=world.street.pk, name="区12345平台")
    keys.revoke_key(actor=world.users["street_staff"], key_id=key.pk)
    key.refresh_from_db()
    assert key.revoked_at and key.revoked_by == world.users["street_staff"] and not key.account.is_active
    with pytest.raises(InvalidTransition):
        keys.revoke_key(actor=world.users["street_staff"], key_id=key.pk)
    with pytest.raises(NotAllowed):
        keys.authenticate(raw, key.jurisdiction)
    assert AuditLog.objects.filter(action="update", object_type="integrations.open311key").count() == 1
    with pytest.raises(NotFound):
        keys.revoke_key(actor=world.users["street_staff"], key_id="abc")


def test_keys_page(client, world):
    url = reverse("open311:keys")
    client.login(username="street", password=PASSWORD)
    assert client.get(url).status_code == 200
    r = client.post(url, {"name": "区12345平台", "street": world.street.pk})
    assert r.status_code == 200
    key = Open311Key.objects.get()
    shown = r.content.decode()
    start = shown.index("data-new-key>") + len("data-new-key>")
    raw = shown[start:shown.index("<", start)]
    assert Open311Key.hash_key(raw) == key.key_hash
    assert raw not in client.get(url).content.decode()  # shown once only
    bad = client.post(url, {"name": "", "street": world.street.pk})
    assert bad.status_code == 400 and b"data-error" in bad.content
    bad = client.post(url, {"name": "<script>x</script>", "street": world.street.pk})
    assert bad.status_code == 400 and Open311Key.objects.count() == 1
    r = client.post(reverse("open311:key_revoke", args=[key.pk]))
    assert r.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    again = client.post(reverse("open311:key_revoke", args=[key.pk]), follow=True)
    assert again.status_code == 200


@pytest.mark.parametrize("username", ["resident", "grid0", "community0", "unit0"])
def test_keys_page_is_not_found_for_others(client, world, username):
    client.login(username=username, password=PASSWORD)
    assert client.get(reverse("open311:keys")).status_code == 404


def test_keys_page_needs_login_and_foreign_key_revoke_is_404(client, world):
    assert client.get(reverse("open311:keys")).status_code == 302
    other = RegionFactory(code="150302098", name="别的街道", level="street")
    key, _raw = keys.issue_key(actor=user_with_role(Role.ADMIN, username="admin"), street_id=other.pk, name="某平台")
    client.login(username="street", password=PASSWORD)
    assert client.post(reverse("open311:key_revoke", args=[key.pk])).status_code == 404
    assert client.get(reverse("open311:key_revoke", args=[key.pk])).status_code == 405


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_revoke_at_once_one_wins():
    needs_real_locks()
    world = build_world()
    admin = user_with_role(Role.ADMIN, username="admin")
    key, _raw = keys.issue_key(actor=world.users["street_staff"], street_id=world.street.pk, name="区12345平台")
    results = race(lambda: keys.revoke_key(actor=world.users["street_staff"], key_id=key.pk),
                   lambda: keys.revoke_key(actor=admin, key_id=key.pk))
    wins = [r for r, e in results if e is None]
    losses = [e for r, e in results if e is not None]
    assert len(wins) == 1 and len(losses) == 1 and isinstance(losses[0], InvalidTransition)
    assert AuditLog.objects.filter(action="update", object_type="integrations.open311key").count() == 1
