"""Downloadable templates: the header row and one example row."""

import io
import json

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from ..importers import IMPORTERS

GRID_EXAMPLE = {
    "type": "FeatureCollection",
    "features": [{
        "type": "Feature",
        "properties": {"code": "150302004001001", "name": "第一网格", "level": "grid", "parent_code": "150302004001"},
        "geometry": {"type": "Polygon", "coordinates": [[[106.80, 39.66], [106.81, 39.66], [106.81, 39.67],
                                                         [106.80, 39.67], [106.80, 39.66]]]},
    }],
}


def template_bytes(kind: str) -> tuple[bytes, str, str]:
    """(content, file name, content type) of the template for one kind."""
    if kind == "grids":
        return (json.dumps(GRID_EXAMPLE, ensure_ascii=False, indent=2).encode(), "grids.geojson", "application/geo+json")
    importer = IMPORTERS[kind]
    book = Workbook()
    sheet = book.active
    sheet.title = kind
    sheet.append([c.header + ("*" if c.required else "") for c in importer.columns])
    sheet.append([c.example for c in importer.columns])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FDE7E4")
    for cell, column in zip(sheet[1], importer.columns):
        cell.font = bold
        if column.required:
            cell.fill = fill
        sheet.column_dimensions[cell.column_letter].width = max(12, len(column.example or "") + 4)
    for cell in sheet[2]:
        cell.number_format = "@"  # text: ID numbers and phones must not turn into 1.5E+17
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), f"{kind}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
