"""API keys for Open311 clients: issued and revoked by admins or street staff, stored hashed."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.selectors import user_scopes
from core.audit import audit
from core.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from core.models import AuditLog
from core.text import clean_text
from regions.models import Region

from ..models import Open311Jurisdiction, Open311Key


def manageable_streets(user):
    """Streets whose Open311 keys this user may manage: all for admins, their own for street staff."""
    scopes = user_scopes(user)
    streets = Region.objects.filter(level=Region.Level.STREET)
    if scopes.is_admin:
        return streets
    return streets.filter(pk__in=scopes.regions(Role.STREET_STAFF, "street"))


def visible_keys(user):
    return Open311Key.objects.filter(jurisdiction__street__in=manageable_streets(user)).select_related(
        "jurisdiction", "issued_by", "revoked_by")


def jurisdiction_for(street: Region) -> Open311Jurisdiction:
    """Every street served gets a jurisdiction named by its code the first time a key is issued for it."""
    jurisdiction, _made = Open311Jurisdiction.objects.get_or_create(street=street, defaults={"jurisdiction_id": street.code})
    return jurisdiction


@transaction.atomic
def issue_key(*, actor, street_id, name: str, now=None) -> tuple[Open311Key, str]:
    """Returns the key row and the raw key, which is shown once and never stored."""
    now = now or timezone.now()
    if not manageable_streets(actor).exists():
        raise NotAllowed()
    name = clean_text(name, field=_("the client's name"), min_length=2, max_length=100, required=True)
    street = manageable_streets(actor).filter(pk=street_id).first() if str(street_id or "").isdigit() else None
    if street is None:
        raise ValidationFailed(_("Choose one of your streets."), code="unknown_street")
    jurisdiction = jurisdiction_for(street)
    raw = Open311Key.new_key()
    prefix = raw[:12]
    account = get_user_model().objects.create(
        username=f"open311-{prefix[5:]}-{Open311Key.hash_key(raw)[:6]}", display_name_override=f"Open311: {name}"[:64],
        is_active=True)
    account.set_unusable_password()
    account.save(update_fields=["password"])
    key = Open311Key.objects.create(jurisdiction=jurisdiction, name=name, account=account, key_hash=Open311Key.hash_key(raw),
                                    prefix=prefix, issued_by=actor, created_at=now)
    audit(actor=actor, action=AuditLog.Action.CREATE, obj=key, after={"name": name, "jurisdiction": jurisdiction.jurisdiction_id,
                                                                      "prefix": prefix})
    return key, raw


@transaction.atomic
def revoke_key(*, actor, key_id, now=None) -> Open311Key:
    """Revoking twice (two people at once) leaves one revocation: the second is told it is already done."""
    now = now or timezone.now()
    if not str(key_id or "").isdigit() or not visible_keys(actor).filter(pk=key_id).exists():
        raise NotFound()
    key = Open311Key.objects.select_for_update().get(pk=key_id)
    if key.revoked_at is not None:
        raise InvalidTransition(_("This key has already been revoked."))
    key.revoked_at, key.revoked_by = now, actor
    key.save(update_fields=["revoked_at", "revoked_by"])
    get_user_model().objects.filter(pk=key.account_id).update(is_active=False)
    audit(actor=actor, action=AuditLog.Action.UPDATE, obj=key, fields=["revoked_at"], before={"revoked_at": None},
          after={"revoked_at": now.isoformat()})
    return key


def authenticate(raw, jurisdiction: Open311Jurisdiction) -> Open311Key:
    """The key behind `api_key`, or NotAllowed (403) for a missing, unknown, revoked or other street's key."""
    raw = str(raw or "").strip()
    if not raw:
        raise NotAllowed(_("An api_key is required to create a service request."), code="api_key_missing")
    key = Open311Key.objects.select_related("account", "jurisdiction").filter(key_hash=Open311Key.hash_key(raw)).first()
    if key is None or key.revoked_at is not None or not key.account.is_active:
        raise NotAllowed(_("Invalid api_key received: it is unknown or has been revoked."), code="api_key_invalid")
    if key.jurisdiction_id != jurisdiction.pk:
        raise NotAllowed(_("This api_key is not valid for jurisdiction “%(j)s”.") % {"j": jurisdiction.jurisdiction_id},
                         code="api_key_jurisdiction")
    return key
