"""Deliberation over HTTP, under /api/v1/deliberation/: the same operations as
the pages, through the same services (writes) and selectors (scoped reads)."""

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from core.api import Pagination, errors

from . import selectors, services
from .models import Matter, Meeting, Task
from .schemas import (
    AgendaIn,
    CheckIn,
    CheckOut,
    CoSignOut,
    DecisionIn,
    InvitationIn,
    InvitationOut,
    MatterActionIn,
    MatterDetailOut,
    MatterIn,
    MatterListOut,
    MeetingActionIn,
    MeetingDetailOut,
    MeetingIn,
    MeetingOut,
    RatingIn,
    MatterRatingOut,
    TaskActionIn,
    TaskIn,
    TaskOut,
    WhistleIn,
)

router = Router(tags=["deliberation"])
P = "/deliberation"


class MatterFilters(Schema):
    status: str = ""
    size: str = ""
    community: str = ""
    q: str = ""
    mine: bool = False


def _task(t: Task) -> dict:
    return {"id": t.pk, "matter_id": t.matter_id, "title": t.title, "detail": t.detail, "owner": t.owner_name,
            "owner_unit_id": t.owner_unit_id, "owner_user_id": t.owner_user_id, "deadline": t.deadline,
            "status": t.status, "status_label": str(t.get_status_display()), "progress": t.shown_progress,
            "note": t.note, "appeal_number": t.appeal.number if t.appeal_id else None, "version": t.version}


def _decision(item) -> dict | None:
    d = getattr(item, "decision", None)
    if d is None:
        return None
    return {"meeting_id": item.meeting_id, "meeting": item.meeting.title, "text": d.text, "votes_for": d.votes_for,
            "votes_against": d.votes_against, "votes_abstain": d.votes_abstain, "passed": d.passed, "at": d.at}


def _matter_row(m: Matter) -> dict:
    return {"id": m.pk, "number": m.number, "title": m.title, "community": m.community.name, "size": m.size or None,
            "status": m.status, "status_label": str(m.get_status_display()), "step": m.step,
            "progress": selectors.progress(m), "cosign_count": m.cosign_count, "created_at": m.created_at,
            "closed_at": m.closed_at}


def _matter(user, m: Matter) -> dict:
    personal = selectors.is_staff_for(user, m.community_id) or m.raiser_id == user.pk
    items = m.agenda_items.filter(decision__isnull=False).select_related("decision", "meeting")
    return {
        **_matter_row(m), "content": m.content, "source": m.source,
        "raiser_name": m.raiser_name if personal else m.raiser_name_masked,
        "contact_member": m.contact_member.person.name if m.contact_member_id else None,
        "decision_text": m.decision_text, "decline_reason": m.decline_reason,
        "merged_into": m.merged_into.number if m.merged_into_id else None, "round": m.round,
        "rating_until": m.rating_until, "satisfaction_rate": m.satisfaction_rate, "version": m.version,
        "steps": [{"n": s["n"], "label": str(s["label"]), "done": s["done"], "current": s["current"]}
                  for s in selectors.steps(m)["steps"]],
        "tasks": [_task(t) for t in m.tasks.select_related("owner_unit", "owner_user", "appeal")],
        "decisions": [_decision(i) for i in items],
        "events": [{"action": e.action, "from_status": e.from_status, "to_status": e.to_status,
                    "actor_name": e.actor_name if personal or e.role not in ("raiser", "resident") else "",
                    "role": e.role, "at": e.at, "note": e.note if personal or e.role != "resident" else ""}
                   for e in selectors.timeline(m)],
        "actions": [a.value for a in selectors.available_actions(m, user)],
        "can_cosign": selectors.can_cosign(user, m), "can_rate": selectors.can_rate(user, m),
        "can_check": selectors.can_check(user, m),
    }


def _meeting_row(m: Meeting) -> dict:
    return {"id": m.pk, "title": m.title, "kind": m.kind, "community": m.community.name, "place_id": m.place_id,
            "where": m.where, "starts_at": m.starts_at, "status": m.status,
            "status_label": str(m.get_status_display()), "version": m.version}


def _meeting(m: Meeting) -> dict:
    return {**_meeting_row(m), "host": m.host, "recorder": m.recorder, "minutes": m.minutes,
            "agenda": [{"matter_id": i.matter_id, "number": i.matter.number, "title": i.matter.title,
                        "decision": _decision(i)} for i in selectors.agenda(m)],
            "invitations": [{"id": i.pk, "party": i.party, "party_label": str(i.get_party_display()), "name": i.name,
                             "attended": i.attended} for i in m.invitations.all()]}


# ---------------------------------------------------------------- matters

@router.get(P + "/matters", response={200: list[MatterListOut], **errors(400)}, summary="List matters")
@paginate(Pagination)
def list_matters(request: HttpRequest, filters: Query[MatterFilters]):
    """The matters this user may see, newest first: staff their communities', residents their community's and their own."""
    qs = selectors.visible_matters(request.auth).select_related("community").prefetch_related("tasks")
    qs = selectors.filter_matters(qs, status=filters.status, size=filters.size, community=filters.community.strip(),
                                  q=filters.q.strip(), mine_user=request.auth if filters.mine else None)
    return [_matter_row(m) for m in qs.order_by("-created_at", "-id")]


@router.post(P + "/matters", response={201: MatterDetailOut, **errors(400)}, summary="Raise a matter (居民提事)")
def create_matter(request: HttpRequest, payload: MatterIn):
    m = services.matter_raise(actor=request.auth, **payload.model_dump())
    return Status(201, _matter(request.auth, selectors.get_matter(request.auth, m.pk)))


@router.get(P + "/matters/{int:matter_id}", response={200: MatterDetailOut, **errors(404)}, summary="One matter")
def get_matter(request: HttpRequest, matter_id: int):
    """With its six steps, tasks and their progress, decisions, timeline and the actions this user may take."""
    return _matter(request.auth, selectors.get_matter(request.auth, matter_id))


@router.post(P + "/matters/{int:matter_id}/actions/{action}", response={200: MatterDetailOut, **errors(400, 404, 409)},
             summary="Take an action on a matter")
def act_on_matter(request: HttpRequest, matter_id: int, action: str, payload: MatterActionIn):
    """Actions: sort_small, sort_big, reassign, finish, rate, accept, merge, decline, unschedule, open_rating,
    close_rating. Scheduling and decisions go through meetings; starting through tasks."""
    services.matter_transition(matter_id, action, request.auth, note=payload.note,
                               expected_version=payload.expected_version, member=payload.member,
                               merge_into=payload.merge_into or None, satisfaction=payload.satisfaction or "")
    return _matter(request.auth, selectors.get_matter(request.auth, matter_id))


@router.post(P + "/matters/{int:matter_id}/cosign", response={201: CoSignOut, **errors(400, 404, 409)},
             summary="Co-sign a matter (附议)")
def cosign_matter(request: HttpRequest, matter_id: int):
    services.matter_cosign(matter=matter_id, actor=request.auth)
    return Status(201, {"matter_id": matter_id, "cosign_count": Matter.objects.get(pk=matter_id).cosign_count})


@router.post(P + "/matters/{int:matter_id}/ratings", response={201: MatterRatingOut, **errors(400, 404, 409)},
             summary="Rate a big matter's result (居民评事)")
def rate_matter(request: HttpRequest, matter_id: int, payload: RatingIn):
    r = services.matter_rate(matter=matter_id, actor=request.auth, satisfaction=payload.satisfaction,
                             comment=payload.comment)
    return Status(201, {"matter_id": matter_id, "round": r.round, "satisfaction": r.satisfaction})


@router.post(P + "/matters/{int:matter_id}/checks", response={201: CheckOut, **errors(400, 404, 409)},
             summary="Record a party member's check (党员监事)")
def check_matter(request: HttpRequest, matter_id: int, payload: CheckIn):
    c = services.check_record(matter=matter_id, actor=request.auth, note=payload.note)
    return Status(201, {"id": c.pk, "matter_id": matter_id, "by_name": c.by_name, "note": c.note, "round": c.round,
                        "at": c.at})


@router.post(P + "/matters/{int:matter_id}/tasks", response={201: TaskOut, **errors(400, 404, 409)},
             summary="Add a task (部门办事)")
def add_task(request: HttpRequest, matter_id: int, payload: TaskIn):
    t = services.task_add(matter=matter_id, actor=request.auth, **payload.model_dump())
    return Status(201, _task(selectors.get_task(request.auth, t.pk)))


# ---------------------------------------------------------------- tasks

@router.get(P + "/tasks", response={200: list[TaskOut], **errors(400)}, summary="Tasks I own or run")
@paginate(Pagination)
def list_tasks(request: HttpRequest, status: str = ""):
    qs = selectors.visible_tasks(request.auth).select_related("owner_unit", "owner_user", "appeal")
    if status:
        qs = qs.filter(status=status)
    return [_task(t) for t in qs.order_by("deadline", "id")]


@router.post(P + "/tasks/{int:task_id}/actions/{action}", response={200: TaskOut, **errors(400, 404, 409)},
             summary="Report progress on, finish, reopen or cancel a task")
def act_on_task(request: HttpRequest, task_id: int, action: str, payload: TaskActionIn):
    services.task_transition(task_id, action, request.auth, note=payload.note, progress=payload.progress,
                             expected_version=payload.expected_version)
    return _task(selectors.get_task(request.auth, task_id))


@router.post(P + "/tasks/{int:task_id}/whistle", response={200: TaskOut, **errors(400, 404, 409)},
             summary="Turn a unit's task into a whistle through the appeal loop")
def whistle_task(request: HttpRequest, task_id: int, payload: WhistleIn):
    services.task_whistle(task=task_id, actor=request.auth, category=payload.category or None,
                          deadline_workdays=payload.deadline_workdays, note=payload.note)
    return _task(selectors.get_task(request.auth, task_id))


# ---------------------------------------------------------------- meetings

@router.get(P + "/meetings", response={200: list[MeetingOut], **errors(400)}, summary="List meetings")
@paginate(Pagination)
def list_meetings(request: HttpRequest, status: str = ""):
    qs = selectors.visible_meetings(request.auth).select_related("community", "place")
    if status:
        qs = qs.filter(status=status)
    return [_meeting_row(m) for m in qs.order_by("-starts_at", "-id")]


@router.post(P + "/meetings", response={201: MeetingDetailOut, **errors(400)}, summary="Plan a meeting")
def create_meeting(request: HttpRequest, payload: MeetingIn):
    m = services.meeting_plan(actor=request.auth, **payload.model_dump())
    return Status(201, _meeting(selectors.get_meeting(request.auth, m.pk)))


@router.get(P + "/meetings/{int:meeting_id}", response={200: MeetingDetailOut, **errors(404)}, summary="One meeting")
def get_meeting(request: HttpRequest, meeting_id: int):
    return _meeting(selectors.get_meeting(request.auth, meeting_id))


@router.post(P + "/meetings/{int:meeting_id}/actions/{action}", response={200: MeetingDetailOut, **errors(400, 404, 409)},
             summary="Hold or cancel a meeting")
def act_on_meeting(request: HttpRequest, meeting_id: int, action: str, payload: MeetingActionIn):
    services.meeting_transition(meeting=meeting_id, action=action, actor=request.auth, note=payload.note,
                                expected_version=payload.expected_version)
    return _meeting(selectors.get_meeting(request.auth, meeting_id))


@router.post(P + "/meetings/{int:meeting_id}/agenda", response={200: MeetingDetailOut, **errors(400, 404, 409)},
             summary="Put an accepted matter on the agenda")
def add_agenda(request: HttpRequest, meeting_id: int, payload: AgendaIn):
    services.agenda_add(meeting=meeting_id, matter=payload.matter, actor=request.auth)
    return _meeting(selectors.get_meeting(request.auth, meeting_id))


@router.post(P + "/meetings/{int:meeting_id}/invitations", response={201: InvitationOut, **errors(400, 404, 409)},
             summary="Invite a party")
def invite(request: HttpRequest, meeting_id: int, payload: InvitationIn):
    i = services.meeting_invite(meeting=meeting_id, actor=request.auth, **payload.model_dump())
    return Status(201, {"id": i.pk, "party": i.party, "party_label": str(i.get_party_display()), "name": i.name,
                        "attended": i.attended})


@router.post(P + "/meetings/{int:meeting_id}/decisions", response={200: MeetingDetailOut, **errors(400, 404, 409)},
             summary="Record a decision with its votes")
def decide(request: HttpRequest, meeting_id: int, payload: DecisionIn):
    services.decision_record(meeting=meeting_id, actor=request.auth, **payload.model_dump())
    return _meeting(selectors.get_meeting(request.auth, meeting_id))
