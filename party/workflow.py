"""Every state change of the party app in one table.

Four small workflows share it: a 双报到 registration (active → ended), a
co-building project (planned → in progress → done, driven by its progress
updates), an evaluation (nominating → voting → closed) and a nomination
(pending → approved / rejected). `party.services` reads `TRANSITIONS` and
nothing else to decide whether an action is possible; the UI and the API ask
`allowed(record, action, status)`.

    DualReport      active ─end→ ended
    Project         planned/in_progress ─update→ in_progress, or done at 100 %
    Evaluation      nominating ─open_voting→ voting ─close→ closed
    Nomination      pending ─approve→ approved;  pending ─reject→ rejected
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class DualStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class EvaluationStatus(models.TextChoices):
    NOMINATING = "nominating", _("Nominating")
    VOTING = "voting", _("Voting")
    CLOSED = "closed", _("Closed")


class NominationStatus(models.TextChoices):
    PENDING = "pending", _("Pending review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


STATUS_COLOURS = {
    DualStatus.ACTIVE: "green", DualStatus.ENDED: "grey",
    ProjectStatus.PLANNED: "blue", ProjectStatus.IN_PROGRESS: "orange", ProjectStatus.DONE: "green",
    EvaluationStatus.NOMINATING: "blue", EvaluationStatus.VOTING: "orange", EvaluationStatus.CLOSED: "grey",
    NominationStatus.PENDING: "purple", NominationStatus.APPROVED: "green", NominationStatus.REJECTED: "grey",
}

# A project update's target depends on the progress it reports.
BY_PROGRESS = "<by_progress>"


@dataclass(frozen=True)
class Transition:
    record: str
    action: str
    sources: frozenset
    target: str
    label: str
    note_required: bool = False


TRANSITIONS: dict[tuple[str, str], Transition] = {(t.record, t.action): t for t in [
    Transition("dual_report", "end", frozenset({DualStatus.ACTIVE}), DualStatus.ENDED, _("End registration")),
    Transition("project", "update", frozenset({ProjectStatus.PLANNED, ProjectStatus.IN_PROGRESS}), BY_PROGRESS,
               _("Report progress"), note_required=True),
    Transition("evaluation", "open_voting", frozenset({EvaluationStatus.NOMINATING}), EvaluationStatus.VOTING,
               _("Open voting")),
    Transition("evaluation", "close", frozenset({EvaluationStatus.VOTING}), EvaluationStatus.CLOSED,
               _("Close and announce")),
    Transition("nomination", "approve", frozenset({NominationStatus.PENDING}), NominationStatus.APPROVED, _("Approve nomination")),
    Transition("nomination", "reject", frozenset({NominationStatus.PENDING}), NominationStatus.REJECTED, _("Reject nomination")),
]}


def transition(record: str, action: str) -> Transition | None:
    return TRANSITIONS.get((record, action))


def allowed(record: str, action: str, status: str) -> bool:
    t = TRANSITIONS.get((record, action))
    return t is not None and status in t.sources


def project_target(progress: int) -> str:
    return ProjectStatus.DONE if progress >= 100 else ProjectStatus.IN_PROGRESS


def resolve_target(t: Transition, *, progress: int | None = None) -> str:
    if t.target == BY_PROGRESS:
        return project_target(progress or 0)
    return t.target
