"""Open311 documents as plain dicts, rendered as JSON or as the spec's XML (Spark convention:
a list becomes a plural element holding singular ones)."""

import json
from xml.etree import ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone, translation

from appeals.models import Appeal

from . import selectors

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
# Plural element → its items' element name.
ITEM_TAGS = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
             "values": "value", "endpoints": "endpoint", "formats": "format"}


def w3(value) -> str | None:
    """ISO 8601 with the offset, as the spec requires (2024-05-01T09:00:00+08:00)."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def category_name(category) -> str:
    if translation.get_language() == "en" and category.name_en:
        return category.name_en
    return category.name


def service_dict(category, jurisdiction) -> dict:
    group = category_name(category.parent) if category.parent_id else ""
    keywords = [category.name] + ([category.name_en] if category.name_en else []) + ([category.parent.name] if group else [])
    return {"service_code": category.code, "service_name": category_name(category),
            "description": " · ".join(dict.fromkeys(k for k in [category_name(category), group] if k)),
            "metadata": bool(selectors.attributes_of(category)), "type": jurisdiction.service_type,
            "keywords": ", ".join(dict.fromkeys(keywords)), "group": group}


def definition_dict(category) -> dict:
    return {"service_code": category.code, "attributes": [
        {"variable": a.variable, "code": a.code, "datatype": a.datatype, "required": a.required,
         "datatype_description": a.datatype_description or None, "order": a.order, "description": a.description,
         **({"values": [{"key": v.get("key"), "name": v.get("name")} for v in a.values]}
            if a.datatype in ("singlevaluelist", "multivaluelist") else {})}
        for a in selectors.attributes_of(category)]}


def request_dict(appeal: Appeal, jurisdiction) -> dict:
    """One service request as the world may see it: no names, phones or e-mails."""
    extra = getattr(appeal, "open311", None) if hasattr(appeal, "open311") else None
    followed = selectors.followed(appeal)
    agency = followed.lead_unit.name if followed.lead_unit_id else followed.community.name
    description = extra.description if extra is not None and extra.description else appeal.content
    return {
        "service_request_id": appeal.number,
        "status": "open" if selectors.is_open(appeal) else "closed",
        "status_notes": selectors.status_notes(appeal) or None,
        "service_name": category_name(appeal.category),
        "service_code": appeal.category.code,
        "description": selectors.redact(description),
        "agency_responsible": agency,
        "service_notice": jurisdiction.service_notice or None,
        "requested_datetime": w3(appeal.created_at),
        "updated_datetime": w3(appeal.updated_at),
        "expected_datetime": w3(followed.resolve_due),
        "address": appeal.address or (extra.address_string if extra is not None else "") or None,
        "address_id": str(appeal.building_id) if appeal.building_id else None,
        "zipcode": None,
        "lat": appeal.lat,
        "long": appeal.lng,
        "media_url": (extra.media_url or None) if extra is not None else None,
    }


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(parent: ET.Element, key: str, value) -> None:
    if isinstance(value, list):
        holder = ET.SubElement(parent, key)
        for item in value:
            _fill(holder, ITEM_TAGS.get(key, "item"), item)
    elif isinstance(value, dict):
        node = ET.SubElement(parent, key)
        for k, v in value.items():
            _fill(node, k, v)
    else:
        node = ET.SubElement(parent, key)
        node.text = _text(value)


def to_xml(root: str, value) -> bytes:
    """`value` is a list (the root holds its items) or a dict (the root's children)."""
    element = ET.Element(root)
    if isinstance(value, list):
        for item in value:
            _fill(element, ITEM_TAGS[root], item)
    else:
        for k, v in value.items():
            _fill(element, k, v)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8", xml_declaration=False)


def render(fmt: str, root: str, value, *, status: int = 200) -> HttpResponse:
    if fmt == "json":
        body = json.dumps(value, ensure_ascii=False).encode()
    else:
        body = to_xml(root, value)
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])
    response["Access-Control-Allow-Origin"] = "*"
    return response


def render_errors(fmt: str, errors: list[tuple[int, str]], *, status: int) -> HttpResponse:
    return render(fmt if fmt in CONTENT_TYPES else "xml", "errors",
                  [{"code": code, "description": description} for code, description in errors], status=status)
