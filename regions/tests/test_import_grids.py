"""`manage.py import_grids FILE`: all or nothing, with a per-feature error list."""

import json

import pytest
from django.core.management import CommandError, call_command

from regions.models import Region
from testing.factories import square

pytestmark = pytest.mark.django_db


def feature(code, level, parent, geometry, name=None):
    return {"type": "Feature", "properties": {"code": code, "name": name or code, "level": level, "parent_code": parent},
            "geometry": geometry}


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


@pytest.fixture
def district():
    return Region.objects.create(code="150302", name="海勃湾区", level="district")


def good_file(tmp_path):
    data = collection(
        feature("150302004", "street", "150302", square(106.80, 39.66, 0.02)),
        feature("150302004001", "community", "150302004", square(106.80, 39.66, 0.02)),
        feature("150302004001001", "grid", "150302004001", square(106.80, 39.66, 0.01)),
        feature("150302004001002", "grid", "150302004001", square(106.81, 39.66, 0.01)),  # shares an edge: fine
    )
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path, data


def test_a_clean_file_imports_the_tree_with_boxes_and_paths(district, tmp_path, capsys):
    path, _ = good_file(tmp_path)
    call_command("import_grids", str(path))
    assert "created 4" in capsys.readouterr().out
    grid = Region.objects.get(code="150302004001002")
    assert grid.parent.code == "150302004001" and grid.min_lng == pytest.approx(106.81)
    assert grid.path.startswith(Region.objects.get(code="150302004").path)
    call_command("import_grids", str(path))  # re-import updates, never duplicates
    assert Region.objects.filter(level="grid").count() == 2


def test_overlapping_invalid_and_badly_coded_features_are_listed_and_nothing_is_imported(district, tmp_path, capsys):
    bowtie = {"type": "Polygon", "coordinates": [[[106.8, 39.66], [106.81, 39.67], [106.81, 39.66], [106.8, 39.67], [106.8, 39.66]]]}
    data = collection(
        feature("150302004", "street", "150302", square(106.80, 39.66, 0.02)),
        feature("150302004001", "community", "150302004", square(106.80, 39.66, 0.02)),
        feature("150302004001001", "grid", "150302004001", square(106.80, 39.66, 0.01)),
        feature("150302004001002", "grid", "150302004001", square(106.805, 39.66, 0.01)),  # overlaps 001
        feature("150302004001003", "grid", "150302004001", bowtie),
        feature("1503020040019", "grid", "150302004001", square(106.83, 39.66, 0.01)),  # 13 digits
        feature("150302004009001", "grid", "150302004009", square(106.85, 39.66, 0.01)),  # unknown parent
        feature("150302004001004", "grid", "150302004001", {"type": "Point", "coordinates": [106.8, 39.66]}),
    )
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_grids", str(path))
    err = capsys.readouterr().err
    assert "150302004001002" in err and "150302004001001" in err  # the overlap names both
    assert "150302004001003" in err and "1503020040019" in err and "150302004009" in err and "150302004001004" in err
    assert Region.objects.count() == 1  # only the district that was already there


def test_a_grid_overlapping_one_already_stored_is_refused(district, tmp_path):
    path, _ = good_file(tmp_path)
    call_command("import_grids", str(path))
    intruder = tmp_path / "intruder.geojson"
    intruder.write_text(json.dumps(collection(
        feature("150302004001009", "grid", "150302004001", square(106.805, 39.665, 0.01)))), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_grids", str(intruder))
    assert not Region.objects.filter(code="150302004001009").exists()


def test_not_geojson_is_a_clear_error(tmp_path):
    path = tmp_path / "x.geojson"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_grids", str(path))
