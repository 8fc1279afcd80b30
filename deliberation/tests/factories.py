"""A deliberation world on top of testing.world, and shorthands that drive
matters through the real services into any state."""

import datetime as dt
import io
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.utils import timezone
from PIL import Image

from accounts.models import Role
from deliberation import services
from deliberation.models import Matter
from party.models import PartyMember, PartyOrg, PartyPost
from regions.models import Household
from testing.factories import BuildingFactory, EstateFactory, PersonFactory, user_with_role
from testing.world import build_world

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=10, mm=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@dataclass
class DelibWorld:
    world: object
    users: dict
    households: list
    members: dict = field(default_factory=dict)  # key → PartyMember
    org: PartyOrg | None = None

    @property
    def community(self):
        return self.world.communities[0]

    @property
    def units(self):
        return self.world.units


def _lives(user, household, name=None):
    person = PersonFactory(household=household, **({"name": name} if name else {}))
    user.person = person
    user.save(update_fields=["person"])
    return person


def build() -> DelibWorld:
    """Community 0 has an estate with two buildings in grid 0; the raiser, a
    neighbour, a branch secretary (党委书记 post) and two party members with
    accounts live there; an outsider lives in community 1."""
    world = build_world()
    c0, c1 = world.communities
    estate = EstateFactory(community=c0, name="幸福小区")
    b1 = BuildingFactory(estate=estate, grid=world.grids[0], number="1号楼")
    b2 = BuildingFactory(estate=estate, grid=world.grids[0], number="2号楼")
    hh = [Household.objects.create(building=b1, room=f"10{i}") for i in range(1, 5)]
    hh += [Household.objects.create(building=b2, room=f"20{i}") for i in range(1, 3)]
    far_estate = EstateFactory(community=c1, name="远方小区")
    far_hh = Household.objects.create(building=BuildingFactory(estate=far_estate, grid=world.grids[2]), room="301")
    org = PartyOrg.objects.create(name="社区1党委", kind=PartyOrg.Kind.COMMITTEE, region=c0)
    u = world.users
    users = {
        "raiser": u["resident"], "neighbour": u["resident2"],
        "outsider": user_with_role(Role.RESIDENT, username="outsider"),
        "staff": u["community_staff"], "staff_other": u["community_staff_other"], "street": u["street_staff"],
        "branch": user_with_role(Role.RESIDENT, username="secretary"),
        "contact": user_with_role(Role.PARTY_MEMBER, username="member_a"),
        "member": user_with_role(Role.PARTY_MEMBER, username="member_b"),
        "unit": u["unit_handler"], "unit_other": u["unit_handler_other"],
    }
    _lives(users["raiser"], hh[0], "王大妈")
    _lives(users["neighbour"], hh[1], "李大爷")
    _lives(users["outsider"], far_hh)
    secretary = _lives(users["branch"], hh[4], "张书记")
    PartyPost.objects.create(person=secretary, org=org, title="书记")
    members = {}
    for key, household in (("contact", hh[2]), ("member", hh[5])):
        person = _lives(users[key], household)
        members[key] = PartyMember.objects.create(person=person, org=org)
    # 包联: member_a looks after the raiser's household.
    members["contact"].served_households.add(hh[0])
    return DelibWorld(world=world, users=users, households=hh, members=members, org=org)


def committed(fn, *args, **kwargs):
    """Call a service and run what it queued for after the commit (notifications)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return fn(*args, **kwargs)


def raise_matter(w: DelibWorld, user="raiser", **kwargs) -> Matter:
    params = dict(actor=w.users[user] if isinstance(user, str) else user, title="小区停车难",
                  content="小区车位太少，晚上车都停到消防通道上了，希望大家商量个办法。")
    params.update(kwargs)
    return services.matter_raise(**params)


def png(name="photo.png", size=(8, 8), colour=(200, 30, 30)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


# ---------------------------------------------------------------- driving a matter into a state

def meeting_for(w: DelibWorld, now=None):
    return services.meeting_plan(actor=w.users["staff"], community=w.community.code,
                                 starts_at=(now or timezone.now()) + dt.timedelta(days=2), venue="社区议事厅")


def to_accepted(w, matter, now=None):
    services.matter_transition(matter, "sort_big", w.users["staff"], now=now)
    return services.matter_transition(matter, "accept", w.users["branch"], now=now)


def to_scheduled(w, matter, now=None):
    to_accepted(w, matter, now)
    meeting = meeting_for(w, now)
    services.agenda_add(meeting=meeting, matter=matter, actor=w.users["staff"], now=now)
    return meeting


def to_decided(w, matter, now=None, passed=True):
    meeting = to_scheduled(w, matter, now)
    services.meeting_invite(meeting=meeting, actor=w.users["staff"], party="committee", name="居委会", now=now)
    services.meeting_transition(meeting=meeting, action="hold", actor=w.users["staff"], now=now)
    services.decision_record(meeting=meeting, matter=matter, actor=w.users["staff"], text="划定夜间临时停车区",
                             votes_for=7 if passed else 2, votes_against=1, votes_abstain=1, now=now)
    return meeting


def to_in_action(w, matter, now=None, unit_task=True):
    to_decided(w, matter, now)
    kw = {"owner_unit": w.units[0].pk} if unit_task else {"owner_user": w.users["staff"].pk}
    return services.task_add(matter=matter, actor=w.users["staff"], title="施划停车线", **kw, now=now)


def to_checking(w, matter, now=None, check=True):
    task = to_in_action(w, matter, now)
    services.task_transition(task, "complete", w.users["unit"], note="已施划完毕", now=now)
    if check:
        services.check_record(matter=matter, actor=w.users["member"], note="现场看过，停车线已划好", now=now)
    return task


def to_rating(w, matter, now=None):
    task = to_checking(w, matter, now)
    services.matter_transition(matter, "open_rating", w.users["staff"], now=now)
    return task


def drive(w: DelibWorld, state: str, now=None) -> Matter:
    """A fresh matter raised by the raiser, driven into `state` by real service calls."""
    matter = raise_matter(w, now=now)
    s = w.users["staff"]
    if state == "raised":
        pass
    elif state == "assigned":
        services.matter_transition(matter, "sort_small", s, now=now)
    elif state == "done":
        services.matter_transition(matter, "sort_small", s, now=now)
        services.matter_transition(matter, "finish", w.users["contact"], note="已处理", now=now)
    elif state == "closed_small":
        services.matter_transition(matter, "sort_small", s, now=now)
        services.matter_transition(matter, "finish", w.users["contact"], note="已处理", now=now)
        services.matter_transition(matter, "rate", w.users["raiser"], satisfaction="satisfied", now=now)
    elif state == "reviewing":
        services.matter_transition(matter, "sort_big", s, now=now)
    elif state == "accepted":
        to_accepted(w, matter, now)
    elif state == "scheduled":
        to_scheduled(w, matter, now)
    elif state == "decided":
        to_decided(w, matter, now)
    elif state == "in_action":
        to_in_action(w, matter, now)
    elif state == "checking":
        to_checking(w, matter, now)
    elif state == "rating":
        to_rating(w, matter, now)
    elif state == "closed":
        to_rating(w, matter, now)
        services.matter_rate(matter=matter, actor=w.users["neighbour"], satisfaction="satisfied", now=now)
        services.matter_transition(matter, "close_rating", s, now=now)
    elif state == "merged":
        other = raise_matter(w, user="neighbour", title="停车位不够")
        services.matter_transition(other, "sort_big", s, now=now)
        services.matter_transition(matter, "merge", s, merge_into=other.pk, now=now)
    elif state == "declined":
        services.matter_transition(matter, "decline", s, note="不属于社区议事范围", now=now)
    else:
        raise AssertionError(state)
    matter.refresh_from_db()
    return matter
