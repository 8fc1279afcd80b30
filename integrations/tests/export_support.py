"""Shared by the export tests: download a list as a user and read the workbook back,
keyed by the registry's column keys (never by the translated headers)."""

import io
from urllib.parse import urlencode

from django.urls import reverse
from openpyxl import load_workbook

from integrations.exports import get_spec


def export_url(name: str, **params) -> str:
    base = reverse("integrations:export", args=[name])
    return f"{base}?{urlencode(params, doseq=True)}" if params else base


def download(client, name: str, **params) -> list[dict]:
    response = client.get(export_url(name, **params))
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return read(b"".join(response.streaming_content), name)


def read(content: bytes, name: str) -> list[dict]:
    keys = [c.key for c in get_spec(name).columns]
    ws = load_workbook(io.BytesIO(content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows[0]) == len(keys)
    return [dict(zip(keys, row)) for row in rows[1:]]


def values(rows, key: str) -> list:
    return [r[key] for r in rows]


def page_export_link(response, name: str = "") -> str:
    """The masked export link a page shows for list `name` (or its first one); "" when it shows none."""
    html = response.content.decode()
    marker = f'data-export="{name}"' if name else 'data-export-link="masked"'
    if marker not in html:
        return ""
    start = html.index(marker) if name else html.rfind("<a", 0, html.index(marker))
    href = html[start:].split('href="', 1)[1].split('"', 1)[0]
    return href.replace("&amp;", "&")


def assert_refused(client, name: str, **params) -> None:
    """A 403 with the page's error and nothing logged."""
    from integrations.models import ExportLog

    before = ExportLog.objects.count()
    response = client.get(export_url(name, **params))
    assert response.status_code == 403 and b"data-export-error" in response.content
    assert ExportLog.objects.count() == before
