"""What counts as "served" for 双报到, whichever app recorded it.

Each app that records service (orders, activities, patrols) offers
`service_records(user_ids, start, end) -> list[ServiceRecord]` in its
selectors; the quarter report reads them all, so nothing is typed twice.
"""

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceRecord:
    user_id: int
    at: dt.datetime
    kind: str       # "order", "wish", "errand", "activity", "patrol", …
    title: str
    url: str = ""
