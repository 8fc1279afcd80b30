"""Evaluations (评选): staff start one, residents nominate, staff approve, residents
vote within their limit, closing awards the top nominees and credits points once."""

import datetime as dt

import pytest
from django.urls import reverse

from core.errors import Conflict, InvalidTransition, LinliError, NotAllowed, ValidationFailed
from core.models import Notification
from party import services
from party.models import Award, Evaluation, EvaluationEvent, Nomination, Vote
from points.models import PointsAccount, PointsEntry
from testing.concurrency import needs_real_locks, race
from testing.loop import at
from testing.world import build_world

from .factories import member_of, resident_of

pytestmark = pytest.mark.django_db

NOW = at(2026, 6, 1)


@pytest.fixture
def world():
    return build_world()


def start(world, **kwargs):
    values = dict(actor=world.users["community_staff"], community=world.communities[0].pk, title="2026年最美庭院",
                  kind="beautiful_courtyard", nominate_until="2026-06-10", vote_until="2026-06-20", winners=2,
                  votes_per_voter=2, award_points=50, now=NOW)
    values.update(kwargs)
    return services.evaluation_create(**values)


def people(world, n, community=0, prefix="居民"):
    return [resident_of(world, community, name=f"{prefix}{i}") for i in range(n)]


def test_the_whole_evaluation(world, django_capture_on_commit_callbacks):
    staff = world.users["community_staff"]
    evaluation = start(world)
    a, b, c, d, e = people(world, 5)
    services.nomination_create(actor=a, evaluation=evaluation, name="居民1",
                               building=b.person.household.building_id, reason="院子里种满了花", now=at(2026, 6, 2))
    services.nomination_create(actor=b, evaluation=evaluation, person=c.person.pk, reason="常年打扫楼道",
                               now=at(2026, 6, 3))
    nd = services.nomination_create(actor=staff, evaluation=evaluation, person=d.person.pk, reason="社区推荐",
                                    now=at(2026, 6, 4))
    nb, nc = Nomination.objects.get(person=b.person), Nomination.objects.get(person=c.person)
    assert (nb.status, nc.status, nd.status) == ("pending", "pending", "approved")  # staff nominations need no review

    with pytest.raises(InvalidTransition):  # nominations close at their deadline
        services.nomination_create(actor=e, evaluation=evaluation, person=e.person.pk, reason="自荐自己的院子",
                                   now=at(2026, 6, 11))
    services.nomination_review(actor=staff, nomination=nb, decision="approve", now=at(2026, 6, 5))
    services.nomination_review(actor=staff, nomination=nc, decision="approve", now=at(2026, 6, 5))
    services.evaluation_open_voting(actor=staff, evaluation=evaluation, now=at(2026, 6, 11))

    for voter, nominations in ((a, [nb, nc]), (e, [nc, nd]), (b, [nc]), (c, [nb])):
        for n in nominations:
            services.vote_cast(actor=voter, nomination=n, now=at(2026, 6, 12))
    # c: 3 votes, b: 2, d: 1 → c and b win; d is third with winners=2
    with django_capture_on_commit_callbacks(execute=True):
        awards = services.evaluation_close(actor=staff, evaluation=evaluation, now=at(2026, 6, 21))
    assert [a.person for a in awards] == [c.person, b.person]
    assert {a.title for a in awards} == {"2026年最美庭院"}
    assert PointsAccount.objects.get(user=c).balance == 50 and PointsAccount.objects.get(user=b).balance == 50
    assert not PointsAccount.objects.filter(user=d, balance__gt=0).exists()
    assert Notification.objects.filter(recipient=c, verb="award").count() == 1
    assert Evaluation.objects.get(pk=evaluation.pk).status == "closed"

    with pytest.raises(InvalidTransition):  # closing twice awards and credits nothing more
        services.evaluation_close(actor=staff, evaluation=evaluation, now=at(2026, 6, 22))
    assert Award.objects.count() == 2
    assert PointsEntry.objects.filter(source="award").count() == 2
    assert list(EvaluationEvent.objects.filter(evaluation=evaluation, nomination__isnull=True)
                .values_list("action", flat=True)) == ["create", "open_voting", "close"]


def test_ties_go_to_the_earlier_nomination_and_nobody_wins_without_a_vote(world):
    staff = world.users["community_staff"]
    evaluation = start(world, winners=3, votes_per_voter=1, award_points=0)
    a, b, c, v1, v2 = people(world, 5)
    later = services.nomination_create(actor=staff, evaluation=evaluation, person=b.person.pk, reason="第一个提名的人",
                                       now=at(2026, 6, 3))
    earlier = services.nomination_create(actor=staff, evaluation=evaluation, person=a.person.pk, reason="第二个提名的人",
                                         now=at(2026, 6, 2))
    services.nomination_create(actor=staff, evaluation=evaluation, person=c.person.pk, reason="没有人投票给他",
                               now=at(2026, 6, 4))
    services.evaluation_open_voting(actor=staff, evaluation=evaluation, now=at(2026, 6, 11))
    services.vote_cast(actor=v1, nomination=later, now=at(2026, 6, 12))
    services.vote_cast(actor=v2, nomination=earlier, now=at(2026, 6, 12))
    awards = services.evaluation_close(actor=staff, evaluation=evaluation, now=at(2026, 6, 21))
    assert [x.person for x in awards] == [a.person, b.person]  # 1 vote each: the earlier nomination first; c has none
    assert not PointsEntry.objects.exists()  # award_points 0


def test_vote_limits(world):
    staff = world.users["community_staff"]
    evaluation = start(world, votes_per_voter=2)
    nominees = people(world, 3, prefix="候选")
    voter = resident_of(world, 0, name="投票人")
    ns = [services.nomination_create(actor=staff, evaluation=evaluation, person=p.person.pk, reason="社区推荐人选",
                                     now=at(2026, 6, 2)) for p in nominees]
    with pytest.raises(InvalidTransition):  # not yet open
        services.vote_cast(actor=voter, nomination=ns[0], now=at(2026, 6, 5))
    services.evaluation_open_voting(actor=staff, evaluation=evaluation, now=at(2026, 6, 5))
    services.vote_cast(actor=voter, nomination=ns[0], now=at(2026, 6, 6))
    with pytest.raises(Conflict) as err:
        services.vote_cast(actor=voter, nomination=ns[0], now=at(2026, 6, 6))
    assert err.value.code == "already_voted"
    services.vote_cast(actor=voter, nomination=ns[1], now=at(2026, 6, 6))
    with pytest.raises(Conflict) as err:
        services.vote_cast(actor=voter, nomination=ns[2], now=at(2026, 6, 6))
    assert err.value.code == "no_votes_left"
    with pytest.raises(NotAllowed):  # residents of another community
        services.vote_cast(actor=resident_of(world, 1), nomination=ns[2], now=at(2026, 6, 6))
    with pytest.raises(NotAllowed):  # staff who do not live there
        services.vote_cast(actor=staff, nomination=ns[2], now=at(2026, 6, 6))
    with pytest.raises(NotAllowed):  # nominees do not vote for themselves
        services.vote_cast(actor=nominees[2], nomination=ns[2], now=at(2026, 6, 6))
    with pytest.raises(InvalidTransition):  # after the voting deadline
        services.vote_cast(actor=nominees[0], nomination=ns[2], now=at(2026, 6, 21))
    assert Vote.objects.filter(voter=voter).count() == 2


def test_only_approved_nominations_get_votes_and_only_residents_nominate(world):
    staff = world.users["community_staff"]
    evaluation = start(world)
    a, b = people(world, 2)
    with pytest.raises(NotAllowed):
        services.nomination_create(actor=resident_of(world, 1), evaluation=evaluation, person=a.person.pk,
                                   reason="隔壁社区的人来提名", now=at(2026, 6, 2))
    pending = services.nomination_create(actor=a, evaluation=evaluation, person=b.person.pk, reason="很热心的邻居",
                                         now=at(2026, 6, 2))
    with pytest.raises(Conflict):
        services.nomination_create(actor=staff, evaluation=evaluation, person=b.person.pk, reason="重复提名同一人",
                                   now=at(2026, 6, 2))
    services.nomination_create(actor=staff, evaluation=evaluation, person=a.person.pk, reason="社区推荐人选",
                               now=at(2026, 6, 2))
    services.evaluation_open_voting(actor=staff, evaluation=evaluation, now=at(2026, 6, 3))
    with pytest.raises(ValidationFailed):
        services.vote_cast(actor=resident_of(world, 0), nomination=pending, now=at(2026, 6, 4))
    with pytest.raises(NotAllowed):
        services.nomination_review(actor=a, nomination=pending, decision="approve")
    rejected = services.nomination_review(actor=staff, nomination=pending, decision="reject", note="材料不全")
    assert (rejected.status, rejected.review_note) == ("rejected", "材料不全")
    with pytest.raises(InvalidTransition):
        services.nomination_review(actor=staff, nomination=pending, decision="approve")


def test_pioneer_member_nominees_must_be_party_members_and_names_must_match(world):
    staff = world.users["community_staff"]
    evaluation = start(world, kind="pioneer_member", title="2026年先锋党员")
    resident = resident_of(world, 0, name="普通居民")
    member = member_of(world, 0, name="党员老王")
    with pytest.raises(ValidationFailed) as err:
        services.nomination_create(actor=resident, evaluation=evaluation, person=resident.person.pk,
                                   reason="自荐做先锋党员", now=at(2026, 6, 2))
    assert err.value.code == "not_party_member"
    with pytest.raises(ValidationFailed) as err:  # the same answer whether the name or the building is wrong
        services.nomination_create(actor=resident, evaluation=evaluation, name="党员老张",
                                   building=member.person.household.building_id, reason="热心服务群众", now=at(2026, 6, 2))
    assert err.value.code == "unknown_nominee"
    with pytest.raises(ValidationFailed) as err2:
        services.nomination_create(actor=resident, evaluation=evaluation, person=999999, reason="热心服务群众",
                                   now=at(2026, 6, 2))
    assert err2.value.message == err.value.message
    n = services.nomination_create(actor=resident, evaluation=evaluation, name="党员老王",
                                   building=member.person.household.building_id, reason="热心服务群众", now=at(2026, 6, 2))
    assert n.person == member.person


@pytest.mark.parametrize("kwargs", [
    {"title": ""}, {"kind": "best_dog"}, {"nominate_until": "2026-05-01"}, {"nominate_until": "tomorrow"},
    {"vote_until": "2026-06-05"}, {"winners": "0"}, {"winners": "many"}, {"votes_per_voter": "100"},
    {"award_points": "-5"}, {"community": "abc"}, {"title": "<img src=x onerror=alert(1)>"},
])
def test_bad_evaluation_input_is_refused(world, kwargs):
    with pytest.raises(LinliError) as err:
        start(world, **kwargs)
    assert err.value.message and err.value.status in (400, 404)
    assert not Evaluation.objects.exists()


def test_opening_needs_an_approved_nomination_and_staff(world):
    evaluation = start(world)
    with pytest.raises(ValidationFailed):
        services.evaluation_open_voting(actor=world.users["community_staff"], evaluation=evaluation, now=at(2026, 6, 3))
    with pytest.raises(NotAllowed):
        services.evaluation_open_voting(actor=world.users["community_staff_other"], evaluation=evaluation,
                                        now=at(2026, 6, 3))
    with pytest.raises(NotAllowed):
        services.evaluation_close(actor=world.users["resident"], evaluation=evaluation, now=at(2026, 6, 3))


def test_evaluation_pages(client, world):
    staff = world.users["community_staff"]
    client.force_login(staff)
    response = client.post(reverse("party:evaluation_create"), {
        "community": world.communities[0].pk, "kind": "good_daughter_in_law", "title": "好媳妇评选",
        "nominate_until": (dt.date.today() + dt.timedelta(days=5)).isoformat(),
        "vote_until": (dt.date.today() + dt.timedelta(days=10)).isoformat(),
        "winners": "1", "votes_per_voter": "1", "award_points": "20"})
    evaluation = Evaluation.objects.get()
    assert response.status_code == 302
    bad = client.post(reverse("party:evaluation_create"), {"community": world.communities[0].pk, "kind": "custom",
                                                           "title": "我写的评选名称", "nominate_until": "not a date"})
    assert bad.status_code == 400 and "我写的评选名称" in bad.content.decode()

    resident = resident_of(world, 0, name="赵大妈")
    neighbour = resident_of(world, 0, name="钱阿姨")
    client.force_login(resident)
    assert "好媳妇评选" in client.get(reverse("party:evaluations")).content.decode()
    page = client.get(reverse("party:evaluation", args=[evaluation.pk])).content.decode()
    assert 'name="building"' in page and 'name="person"' not in page  # residents type a name, they get no list
    client.post(reverse("party:nominate", args=[evaluation.pk]), {
        "name": "钱阿姨", "building": neighbour.person.household.building_id, "reason": "照顾婆婆二十年如一日"})
    nomination = Nomination.objects.get()
    assert nomination.status == "pending"
    failed = client.post(reverse("party:nominate", args=[evaluation.pk]), {"name": "不存在", "building": "1",
                                                                           "reason": "我写的提名理由"})
    assert failed.status_code == 400 and "我写的提名理由" in failed.content.decode()

    client.force_login(staff)
    client.post(reverse("party:nomination_review", args=[nomination.pk, "approve"]))
    client.post(reverse("party:evaluation_act", args=[evaluation.pk, "open_voting"]), {"version": evaluation.version})
    assert Evaluation.objects.get(pk=evaluation.pk).status == "voting"

    client.force_login(resident)
    client.post(reverse("party:vote", args=[nomination.pk]))
    assert Vote.objects.filter(voter=resident).count() == 1
    page = client.get(reverse("party:evaluation", args=[evaluation.pk])).content.decode()
    assert reverse("party:vote", args=[nomination.pk]) not in page  # voted: no second button

    outsider = resident_of(world, 1)
    client.force_login(outsider)
    assert client.get(reverse("party:evaluation", args=[evaluation.pk])).status_code == 404
    assert client.post(reverse("party:vote", args=[nomination.pk])).status_code == 404

    client.force_login(staff)
    client.post(reverse("party:evaluation_act", args=[evaluation.pk, "close"]))
    assert Award.objects.get().person == neighbour.person
    assert client.post(reverse("party:evaluation_act", args=[evaluation.pk, "explode"])).status_code == 404


# ---------------------------------------------------------------- concurrency

@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_votes_cannot_exceed_the_voters_limit():
    needs_real_locks()
    world = build_world()
    staff = world.users["community_staff"]
    now = dt.datetime.now(dt.timezone.utc)
    evaluation = services.evaluation_create(
        actor=staff, community=world.communities[0].pk, title="先锋党员", kind="custom",
        nominate_until=now + dt.timedelta(days=1), vote_until=now + dt.timedelta(days=2), winners=3, votes_per_voter=2,
        now=now)
    nominations = [services.nomination_create(actor=staff, evaluation=evaluation, person=p.person.pk, reason="社区推荐人选",
                                              now=now) for p in people(world, 5, prefix="候选")]
    services.evaluation_open_voting(actor=staff, evaluation=evaluation, now=now)
    voter = resident_of(world, 0, name="投票人")

    results = race(*[lambda n=n: services.vote_cast(actor=voter, nomination=n.pk) for n in nominations])

    wins = [r for r, e in results if e is None]
    losses = [e for r, e in results if e is not None]
    assert len(wins) == 2, results
    assert len(losses) == 3 and all(isinstance(e, Conflict) and e.status == 409 and e.message for e in losses), losses
    assert Vote.objects.filter(voter=voter, evaluation=evaluation).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_closing_at_once_award_and_credit_once():
    needs_real_locks()
    world = build_world()
    staff, street = world.users["community_staff"], world.users["street_staff"]
    now = dt.datetime.now(dt.timezone.utc)
    evaluation = services.evaluation_create(
        actor=staff, community=world.communities[0].pk, title="文明家庭", kind="civilised_family",
        nominate_until=now + dt.timedelta(days=1), vote_until=now + dt.timedelta(days=2), winners=1, award_points=30,
        now=now)
    nominee, voter = people(world, 2)
    nomination = services.nomination_create(actor=staff, evaluation=evaluation, person=nominee.person.pk,
                                            reason="家风好，邻里和睦", now=now)
    services.evaluation_open_voting(actor=staff, evaluation=evaluation, now=now)
    services.vote_cast(actor=voter, nomination=nomination)

    results = race(*[lambda u=u: services.evaluation_close(actor=u, evaluation=evaluation.pk) for u in (staff, street)])

    assert sum(1 for r, e in results if e is None) == 1, results
    assert [type(e) for r, e in results if e is not None] == [InvalidTransition]
    assert Award.objects.filter(evaluation=evaluation).count() == 1
    assert PointsAccount.objects.get(user=nominee).balance == 30
