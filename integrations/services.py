"""Writes of the integrations app: imports.

An import is an ImportJob going checking → checked → queued → running → done.
The whole file is checked before anything is written; with errors nothing is
written unless the user asks for the clean rows only. Writing happens in the
background in batches, each batch committing its rows and the progress
together, so the page's progress bar shows real, saved work.
"""

import datetime as dt
import hashlib
import json
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.audit import actor_name, audit
from core.crypto import mask_numbers_in_text
from core.errors import Conflict, InvalidTransition, LinliError, NotAllowed, ValidationFailed
from core.models import AuditLog

from .importers import IMPORTERS, Row, Scope
from .imports import reading
from .imports.selectors import allowed_kinds, get_job
from .models import ImportJob, WorkOrder

log = logging.getLogger(__name__)

BATCH = 100
MAX_STORED_ERRORS = 1000
PROGRESS_EVERY = 200
GRID_TYPES = (".geojson", ".json")


# ---------------------------------------------------------------- upload

@transaction.atomic
def import_upload(*, actor, kind: str, upload, now: dt.datetime | None = None) -> ImportJob:
    """Keep the file and queue its check; refuse at once what is plainly unusable."""
    now = now or timezone.now()
    if kind not in ImportJob.Kind.values:
        raise ValidationFailed(_("Choose what the file contains."), code="unknown_kind")
    if kind not in allowed_kinds(actor):
        raise NotAllowed(_("You may not import this kind of data."))
    if upload is None:
        raise ValidationFailed(_("Choose a file to upload."), code="no_file")
    name = (getattr(upload, "name", "") or "upload")[-200:]
    ext = reading.extension(name)
    expected = GRID_TYPES if kind == ImportJob.Kind.GRIDS else reading.TABLE_TYPES
    if ext not in expected:
        raise ValidationFailed(_("This kind of import takes %(types)s files.") % {"types": " / ".join(expected)},
                               code="bad_type")
    if upload.size > reading.MAX_BYTES:
        raise ValidationFailed(_("The file is larger than %(n)d MB; split it.") % {"n": reading.MAX_BYTES // 1024 // 1024},
                               code="too_big")
    data = upload.read()
    if not data:
        raise ValidationFailed(_("The file is empty."), code="empty")
    job = ImportJob(kind=kind, file_name=name, file_size=len(data), file_sha256=hashlib.sha256(data).hexdigest(),
                    created_by=actor, created_by_name=actor_name(actor), created_at=now,
                    language=translation.get_language() or "")
    job.file.save(f"{kind}{ext}", ContentFile(data), save=False)
    job.save()
    audit(actor=actor, action=AuditLog.Action.CREATE, obj=job, after={"kind": kind, "file": name, "sha256": job.file_sha256})
    transaction.on_commit(lambda: _enqueue("check_import_task", job.pk))
    return job


def _enqueue(task_name: str, job_id: int) -> None:
    from . import tasks

    getattr(tasks, task_name).enqueue(job_id)


def _set(job: ImportJob, **values) -> None:
    """Progress written at once (autocommit), so the polling page sees it. Error messages are kept
    with any phone or ID number they quote masked: the list of bad rows is shown and exported."""
    if values.get("errors"):
        values["errors"] = [{**e, "message": mask_numbers_in_text(str(e.get("message", "")))} for e in values["errors"]]
    for k, v in values.items():
        setattr(job, k, v)
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now(), **values)


# ---------------------------------------------------------------- checking

def _read_rows(job: ImportJob, importer_cls) -> list[Row]:
    with job.file.open("rb") as fh:
        data = fh.read()
    headers, raw_rows = reading.read_table(data, job.file_name)
    lookup = {}
    for column in importer_cls.columns:
        names = {n.lower() for n in column.names()}
        lookup[column.key] = next((i for i, h in enumerate(headers) if h.rstrip("*＊ ").lower() in names), None)
    missing = [c.header for c in importer_cls.columns if c.required and lookup[c.key] is None]
    if missing:
        raise ValidationFailed(
            _("Required column(s) missing: %(cols)s. Download the template to see the header row.") % {"cols": "、".join(missing)},
            code="missing_columns", details={"errors": [{"row": 1, "column": h, "message": _("Required column is missing.")}
                                                        for h in missing]})
    rows = []
    for number, cells in raw_rows:
        values = {key: (cells[i] if i is not None and i < len(cells) else "") for key, i in lookup.items()}
        rows.append(Row(number=number, values=values))
    return rows


def _check_rows(job: ImportJob, importer, rows: list[Row], *, progress: bool) -> None:
    importer.prepare(rows)
    for i, row in enumerate(rows, start=1):
        importer.check(row)
        if progress and i % PROGRESS_EVERY == 0:
            _set(job, done=i)
    importer.after_checks(rows)
    seen: dict = {}
    for row in rows:
        key = importer.key(row)
        if key is None:
            continue
        if key in seen:
            column = importer.column(importer.key_column or _key_column(importer)).header
            row.errors.append((column, _("Repeats row %(n)d of this file.") % {"n": seen[key]}))
        else:
            seen[key] = row.number


def _key_column(importer) -> str:
    keys = [c.key for c in importer.columns]
    for candidate in ("id_number", "number", "name", "room"):
        if candidate in keys:
            return candidate
    return keys[0]


def _errors_of(rows: list[Row]) -> list[dict]:
    out = []
    for row in rows:
        for column, message in row.errors:
            out.append({"row": row.number, "column": column, "message": message})
            if len(out) >= MAX_STORED_ERRORS:
                return out
    return out


def _grid_collection(job: ImportJob, actor) -> dict:
    with job.file.open("rb") as fh:
        data = fh.read()
    try:
        collection = json.loads(reading.decode_csv(data))
    except (ValueError, ValidationFailed):
        raise ValidationFailed(_("The file is not valid GeoJSON."), code="not_geojson")
    features = collection.get("features") if isinstance(collection, dict) else None
    if not isinstance(features, list) or not features:
        raise ValidationFailed(_("The file is not a GeoJSON FeatureCollection with features."), code="not_geojson")
    scope = Scope.of(actor)
    if not scope.is_admin:
        from regions.models import Region

        prefixes = list(Region.objects.filter(pk__in=scope.community_ids | scope.street_ids).values_list("code", flat=True))
        outside = [i + 1 for i, f in enumerate(features)
                   if not any(str(((f or {}).get("properties") or {}).get("code") or "").startswith(p) and
                              str(((f or {}).get("properties") or {}).get("code") or "") != p for p in prefixes)]
        if outside:
            raise ValidationFailed(
                _("Some features are outside your area; nothing was imported."), code="outside",
                details={"errors": [{"row": i, "column": "code", "message": _("This region is outside your area.")}
                                    for i in outside[:MAX_STORED_ERRORS]]})
    return collection


class _DryRun(Exception):
    pass


def _check_grids(job: ImportJob, actor) -> None:
    from regions.services import import_regions

    collection = _grid_collection(job, actor)
    total = len(collection["features"])
    try:
        with transaction.atomic():
            import_regions(collection, actor=actor)
            raise _DryRun()  # checked by the real import, then rolled back
    except _DryRun:
        _set(job, status=ImportJob.Status.CHECKED, total=total, valid=total, error_count=0, errors=[], done=0)
    except ValidationFailed as e:
        errors = [{"row": "", "column": "", "message": m} for m in e.details.get("errors", [])][:MAX_STORED_ERRORS]
        _set(job, status=ImportJob.Status.CHECKED, total=total, valid=0, error_count=len(errors), errors=errors,
             done=0, message=e.message[:500])


def import_check(job_id: int) -> ImportJob:
    """Check the whole file and record every bad row; write nothing."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != ImportJob.Status.CHECKING:
        return job
    with translation.override(job.language or None):
        try:
            if job.kind == ImportJob.Kind.GRIDS:
                _check_grids(job, job.created_by)
                return job
            importer_cls = IMPORTERS[job.kind]
            rows = _read_rows(job, importer_cls)
            _set(job, total=len(rows))
            importer = importer_cls(job.created_by, Scope.of(job.created_by))
            _check_rows(job, importer, rows, progress=True)
        except ValidationFailed as e:
            _reject(job, e)
            return job
        bad = sum(1 for r in rows if r.errors)
        _set(job, status=ImportJob.Status.CHECKED, valid=len(rows) - bad, error_count=bad, errors=_errors_of(rows), done=0)
    return job


def _reject(job: ImportJob, error: ValidationFailed) -> None:
    errors = error.details.get("errors") or [{"row": "", "column": "", "message": error.message}]
    _set(job, status=ImportJob.Status.REJECTED, message=error.message[:500], errors=errors[:MAX_STORED_ERRORS],
         error_count=len(errors), finished_at=timezone.now())
    _drop_file(job)


def _drop_file(job: ImportJob) -> None:
    if job.file:
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")


# ---------------------------------------------------------------- deciding

def import_confirm(*, actor, job, clean_only: bool = False, expected_version=None) -> ImportJob:
    """The user says go: all rows of a clean file, or only the clean rows."""
    with transaction.atomic():
        job = get_job(actor, job.pk if isinstance(job, ImportJob) else job)
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if expected_version not in (None, "") and str(expected_version) != str(job.version):
            raise Conflict()
        if job.status != ImportJob.Status.CHECKED:
            raise InvalidTransition(_("This import is “%(status)s” and cannot be started now.")
                                    % {"status": job.get_status_display()})
        if job.valid == 0:
            raise ValidationFailed(_("No row of this file is clean; nothing can be imported."), code="no_clean_rows")
        if job.error_count and not clean_only:
            raise ValidationFailed(_("The file has %(n)d bad row(s), so nothing was imported. Correct the file and "
                                     "upload it again, or import only the clean rows.") % {"n": job.error_count},
                                   code="import_rejected")
        if job.kind == ImportJob.Kind.GRIDS and job.error_count:
            raise ValidationFailed(_("A grid file is imported whole or not at all."), code="import_rejected")
        rows = ImportJob.objects.filter(pk=job.pk, version=job.version, status=ImportJob.Status.CHECKED).update(
            status=ImportJob.Status.QUEUED, clean_only=bool(clean_only), version=job.version + 1, done=0,
            updated_at=timezone.now())
        if rows != 1:
            raise Conflict()
        job.refresh_from_db()
        audit(actor=actor, action=AuditLog.Action.UPDATE, obj=job, fields=["status", "clean_only"],
              before={"status": ImportJob.Status.CHECKED}, after={"status": job.status, "clean_only": job.clean_only})
        job_id = job.pk
        transaction.on_commit(lambda: _enqueue("run_import_task", job_id))
    return job


@transaction.atomic
def import_cancel(*, actor, job) -> ImportJob:
    job = get_job(actor, job.pk if isinstance(job, ImportJob) else job)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportJob.Status.CHECKED:
        raise InvalidTransition(_("Only a checked import that has not started can be cancelled."))
    before = job.status
    job.status = ImportJob.Status.CANCELLED
    job.finished_at = timezone.now()
    job.version += 1
    job.save(update_fields=["status", "finished_at", "version", "updated_at"])
    audit(actor=actor, action=AuditLog.Action.UPDATE, obj=job, fields=["status"], before={"status": before},
          after={"status": job.status})
    transaction.on_commit(lambda: _drop_file(job))
    return job


# ---------------------------------------------------------------- writing

def import_run(job_id: int) -> ImportJob:
    """Check again (the data may have changed since), then write in batches."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now(), updated_at=timezone.now())
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if not claimed:
        return job  # another worker has it, or it is over
    with translation.override(job.language or None):
        try:
            if job.kind == ImportJob.Kind.GRIDS:
                _run_grids(job)
            else:
                _run_table(job)
        except ValidationFailed as e:
            _set(job, status=ImportJob.Status.FAILED, message=e.message[:500], finished_at=timezone.now(),
                 errors=(e.details.get("errors") or job.errors)[:MAX_STORED_ERRORS])
        except Exception:
            log.exception("import job %s stopped", job.pk)
            _set(job, status=ImportJob.Status.FAILED, finished_at=timezone.now(),
                 message=_("The import stopped at an unexpected error after %(n)d row(s); those are saved. "
                           "Importing the same file again finishes it without duplicates.") % {"n": job.done})
    return job


def _run_table(job: ImportJob) -> None:
    importer_cls = IMPORTERS[job.kind]
    actor = job.created_by
    rows = _read_rows(job, importer_cls)
    importer = importer_cls(actor, Scope.of(actor))
    _check_rows(job, importer, rows, progress=False)
    bad = [r for r in rows if r.errors]
    if bad and not job.clean_only:
        raise ValidationFailed(_("The data changed since the check: %(n)d row(s) are not clean any more; nothing was "
                                 "imported.") % {"n": len(bad)}, code="import_rejected",
                               details={"errors": _errors_of(rows)})
    good = [r for r in rows if not r.errors]
    _set(job, valid=len(good), error_count=len(bad), errors=_errors_of(rows))
    counts = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}
    late_errors = []
    for start in range(0, len(good), BATCH):
        batch = good[start:start + BATCH]
        with transaction.atomic():
            for row in batch:
                try:
                    with transaction.atomic():
                        counts[importer.write(row, job)] += 1
                except LinliError as e:  # only a change made between the check and this row
                    counts["failed"] += 1
                    late_errors.append({"row": row.number, "column": "", "message": e.message})
            job.done += len(batch)
            job.created, job.updated = counts["created"], counts["updated"]
            ImportJob.objects.filter(pk=job.pk).update(done=job.done, created=job.created, updated=job.updated,
                                                       updated_at=timezone.now())
    with transaction.atomic():
        values = {"status": ImportJob.Status.DONE, "finished_at": timezone.now()}
        if late_errors:
            values.update(errors=(late_errors + job.errors)[:MAX_STORED_ERRORS], error_count=job.error_count + len(late_errors),
                          message=_("%(n)d row(s) could not be written because the data changed meanwhile.")
                          % {"n": len(late_errors)})
        _set(job, **values)
        audit(actor=actor, action=AuditLog.Action.IMPORT, obj=job,
              after={"kind": job.kind, "file": job.file_name, "rows": len(rows), "skipped_bad_rows": len(bad), **counts})
    _drop_file(job)


def _run_grids(job: ImportJob) -> None:
    from regions.services import import_regions

    collection = _grid_collection(job, job.created_by)
    result = import_regions(collection, actor=job.created_by)
    with transaction.atomic():
        _set(job, status=ImportJob.Status.DONE, finished_at=timezone.now(), done=job.total, created=result.created,
             updated=result.updated)
        audit(actor=job.created_by, action=AuditLog.Action.IMPORT, obj=job,
              after={"kind": job.kind, "file": job.file_name, "created": result.created, "updated": result.updated})
    _drop_file(job)


# ---------------------------------------------------------------- upkeep

CHECKED_KEPT_DAYS = 7
STUCK_AFTER = dt.timedelta(hours=2)


def sweep_import_jobs(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Forget files nobody decided on within a week; mark jobs whose worker died as failed."""
    now = now or timezone.now()
    expired = 0
    for job in ImportJob.objects.filter(status=ImportJob.Status.CHECKED,
                                        updated_at__lt=now - dt.timedelta(days=CHECKED_KEPT_DAYS)):
        with transaction.atomic():
            if ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKED).update(
                    status=ImportJob.Status.CANCELLED, finished_at=now, message=_("Not started within a week; file removed.")):
                audit(actor=None, action=AuditLog.Action.UPDATE, obj=job, fields=["status"],
                      before={"status": ImportJob.Status.CHECKED}, after={"status": ImportJob.Status.CANCELLED})
        _drop_file(job)
        expired += 1
    stuck = 0
    for job in ImportJob.objects.filter(status__in=[ImportJob.Status.CHECKING, ImportJob.Status.QUEUED,
                                                    ImportJob.Status.RUNNING], updated_at__lt=now - STUCK_AFTER):
        with transaction.atomic():
            if ImportJob.objects.filter(pk=job.pk, status=job.status).update(
                    status=ImportJob.Status.FAILED, finished_at=now,
                    message=_("The background worker stopped; upload the file again (rows already saved are not duplicated).")):
                audit(actor=None, action=AuditLog.Action.UPDATE, obj=job, fields=["status"], before={"status": job.status},
                      after={"status": ImportJob.Status.FAILED})
                stuck += 1
    return {"expired": expired, "stuck": stuck}


# ---------------------------------------------------------------- the loop

def work_order_after_transition(*, appeal, action, target, actor, now, **_rest) -> None:
    """The 12345 centre's deadline (办结时限) is the resolve due once the appeal is accepted."""
    if action != "accept":
        return
    order = WorkOrder.objects.filter(appeal_id=appeal.pk, deadline__isnull=False).first()
    if order is None:
        return
    appeal.resolve_due = order.deadline
    appeal.is_overdue = now > order.deadline
    type(appeal).objects.filter(pk=appeal.pk).update(resolve_due=order.deadline, is_overdue=appeal.is_overdue)
