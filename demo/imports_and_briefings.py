"""The demo's data in and out: a 12345 hand-over imported through the real
importer, and the weekly and monthly briefings (工作简报).

The street's dispatcher uploads demo/data/work_orders_12345.csv, the file is
checked (two rows are bad on purpose, see demo/data/README.md), the clean rows
are imported, and the appeals they became are driven along the loop like the
other demo appeals. The import log and the error report are then on the
import page of the `street` log-in, as after a real hand-over.
"""

import csv
import datetime as dt
import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from appeals.models import Appeal
from insights import briefings
from integrations import services as imports
from integrations.models import ImportJob, WorkOrder

from .world import DATA, DemoWorld, _drive, _Driver, _fate

WORK_ORDERS = DATA / "work_orders_12345.csv"
RECEIVED, DEADLINE, NUMBER = "受理时间", "办结时限", "工单编号"


def rebased_work_orders(today: dt.date) -> bytes:
    """The shipped file moved by whole weeks so that its latest order falls in
    the seven days before `today`; the work-order numbers carry the new dates."""
    rows = list(csv.reader(io.StringIO(WORK_ORDERS.read_text(encoding="utf-8-sig"))))
    header, body = rows[0], rows[1:]
    col = {name: header.index(name) for name in (RECEIVED, DEADLINE, NUMBER)}
    latest = max(dt.datetime.strptime(r[col[RECEIVED]], "%Y-%m-%d %H:%M").date() for r in body)
    shift = dt.timedelta(weeks=(today - dt.timedelta(days=1) - latest).days // 7)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for r in body:
        received = dt.datetime.strptime(r[col[RECEIVED]], "%Y-%m-%d %H:%M") + shift
        r[col[RECEIVED]] = received.strftime("%Y-%m-%d %H:%M")
        r[col[DEADLINE]] = (dt.date.fromisoformat(r[col[DEADLINE]]) + shift).isoformat()
        r[col[NUMBER]] = f"GD{received:%Y%m%d}{r[col[NUMBER]][-4:]}"
        writer.writerow(r)
    return out.getvalue().encode("utf-8-sig")


def import_work_orders(world: DemoWorld, rng: random.Random, now: dt.datetime) -> dict[str, int]:
    """Upload, check, import the clean rows, then move the new appeals along the loop."""
    actor = world.street_staff
    upload = SimpleUploadedFile(WORK_ORDERS.name, rebased_work_orders(timezone.localtime(now).date()),
                                content_type="text/csv")
    job = imports.import_upload(actor=actor, kind=ImportJob.Kind.WORK_ORDERS, upload=upload, now=now)
    imports.import_check(job.pk)  # a no-op when the task backend already ran it
    job.refresh_from_db()
    imports.import_confirm(actor=actor, job=job, clean_only=True, expected_version=job.version)
    job = imports.import_run(job.pk)
    job.refresh_from_db()
    if job.status != ImportJob.Status.DONE:
        raise RuntimeError(f"the demo's 12345 import ended {job.status}: {job.message}")
    tally = {"work_orders": job.created, "work_order_bad_rows": job.error_count}
    orders = WorkOrder.objects.filter(job=job).select_related("appeal__category").order_by("received_at", "pk")
    for order in orders:
        appeal: Appeal = order.appeal
        age = (now - appeal.created_at).total_seconds() / 86400
        final = _drive(world, rng, _Driver(world, rng, appeal, appeal.created_at, now), _fate(rng, age), {},
                       appeal.category)
        tally[f"work_order_{final}"] = tally.get(f"work_order_{final}", 0) + 1
    return tally


def make_briefings(now: dt.datetime) -> dict[str, int]:
    """Last week's and last month's briefings for the street and every community,
    as the schedule makes them on Mondays and on the 1st."""
    today = timezone.localtime(now).date()
    made = 0
    for kind in (briefings.WEEK, briefings.MONTH):
        period = briefings.last_complete_period(kind, today)
        for region in briefings.schedule_scopes():
            briefings.briefing_generate(actor=None, scope=region, kind=kind, start=period.start, now=now)
            made += 1
    return {"briefings": made}
