"""Which grid holds a point: bounding-box prefilter, then the exact polygon.

The world's four grids are 0.01° squares side by side along longitude from
(106.80, 39.66): grid i spans lng 106.80+0.01·i … 106.81+0.01·i."""

import pytest

from core.errors import ValidationFailed
from regions import selectors
from regions.models import Region
from regions.selectors import check_coordinates, grid_at, locate
from testing.factories import RegionFactory, square
from testing.world import ORIGIN, SIZE, build_world

pytestmark = pytest.mark.django_db

LNG0, LAT0 = ORIGIN
MID_LAT = LAT0 + SIZE / 2


@pytest.fixture
def world():
    return build_world()


def test_each_grids_centre_is_in_that_grid(world):
    for i, grid in enumerate(world.grids):
        assert grid_at(*world.point_in(i)) == grid
    assert locate(*world.point_in(3)).parent.parent == world.street


def test_coordinates_given_as_text_are_read(world):
    lng, lat = world.point_in(1)
    assert grid_at(str(lng), f" {lat} ") == world.grids[1]


@pytest.mark.parametrize("i", range(4))
def test_points_just_inside_each_corner(world, i):
    eps = 1e-7
    west, east = LNG0 + i * SIZE, LNG0 + (i + 1) * SIZE
    for lng, lat in [(west + eps, LAT0 + eps), (east - eps, LAT0 + eps), (west + eps, LAT0 + SIZE - eps),
                     (east - eps, LAT0 + SIZE - eps)]:
        assert grid_at(lng, lat) == world.grids[i]


def test_a_point_on_the_outer_edge_belongs_to_the_grid(world):
    assert grid_at(LNG0, MID_LAT) == world.grids[0]                 # west edge of the street
    assert grid_at(LNG0 + 4 * SIZE, MID_LAT) == world.grids[3]      # east edge
    assert grid_at(LNG0 + SIZE / 2, LAT0) == world.grids[0]         # south edge
    assert grid_at(LNG0, LAT0) == world.grids[0]                    # the corner itself


def test_a_point_on_a_shared_edge_belongs_to_exactly_one_grid_always_the_same(world):
    edge = LNG0 + SIZE  # between grid 0 and grid 1 (and between the two communities at LNG0 + 2·SIZE)
    found = {grid_at(edge, MID_LAT) for _ in range(3)}
    assert found == {world.grids[0]}  # the lower code wins, every time
    assert grid_at(LNG0 + 2 * SIZE, MID_LAT) == world.grids[1]


@pytest.mark.parametrize("lng,lat", [
    (LNG0 - 1e-6, MID_LAT),            # just west
    (LNG0 + 4 * SIZE + 1e-6, MID_LAT),  # just east
    (LNG0 + SIZE / 2, LAT0 - 1e-6),     # just south
    (LNG0 + SIZE / 2, LAT0 + SIZE + 1e-6),
    (116.397, 39.909),                  # Beijing
])
def test_points_outside_every_grid(world, lng, lat):
    assert grid_at(lng, lat) is None
    with pytest.raises(ValidationFailed) as info:
        locate(lng, lat)
    assert info.value.code == "outside_grids" and info.value.message


def _grid(code, geometry, **kw):
    community = Region.objects.get(code="150302004001")
    return RegionFactory(code=code, name=f"网格{code[-3:]}", level=Region.Level.GRID, parent=community,
                         geometry=geometry, **kw)


def test_a_point_in_the_bounding_box_but_outside_the_polygon_is_not_in_the_grid(world):
    # A triangle north of the street: its bbox holds the point, the polygon does not.
    lng, lat = LNG0, LAT0 + 0.05
    triangle = {"type": "Polygon", "coordinates": [[[lng, lat], [lng + 0.01, lat], [lng, lat + 0.01], [lng, lat]]]}
    grid = _grid("150302004001009", triangle)
    assert grid_at(lng + 0.002, lat + 0.002) == grid
    assert grid_at(lng + 0.008, lat + 0.008) is None   # north-east half of the box: outside the hypotenuse


def test_a_multipolygon_grid_and_a_hole(world):
    lng, lat = LNG0, LAT0 + 0.05
    multi = {"type": "MultiPolygon", "coordinates": [square(lng, lat)["coordinates"],
                                                     square(lng + 0.03, lat)["coordinates"]]}
    grid = _grid("150302004001008", multi)
    assert grid_at(lng + 0.035, lat + 0.005) == grid
    assert grid_at(lng + 0.02, lat + 0.005) is None    # the gap between the parts is in the bbox only
    outer = square(lng, lat + 0.05, 0.03)["coordinates"][0]
    hole = square(lng + 0.01, lat + 0.06, 0.01)["coordinates"][0][::-1]
    ring = _grid("150302004001007", {"type": "Polygon", "coordinates": [outer, hole]})
    assert grid_at(lng + 0.005, lat + 0.055) == ring
    assert grid_at(lng + 0.015, lat + 0.065) is None


def test_only_grids_whose_box_holds_the_point_are_tested_exactly(world, monkeypatch, django_assert_num_queries):
    tested = []
    real_shape = selectors.shape

    def counting_shape(geometry):
        tested.append(geometry)
        return real_shape(geometry)

    monkeypatch.setattr(selectors, "shape", counting_shape)
    with django_assert_num_queries(1):
        assert grid_at(*world.point_in(2)) == world.grids[2]
    assert tested == [world.grids[2].geometry]
    tested.clear()
    with django_assert_num_queries(1):
        assert grid_at(LNG0 + SIZE, MID_LAT) == world.grids[0]   # on the edge: two candidates
    assert len(tested) == 1                                       # the first that covers the point wins


def test_regions_that_are_not_grids_or_have_no_shape_are_ignored(world):
    lng, lat = LNG0, LAT0 + 0.05
    RegionFactory(code="150302004001002001", name="微网格", level=Region.Level.MICROGRID, parent=world.grids[1],
                  geometry=square(lng, lat))
    _grid("150302004001006", None, min_lng=lng, max_lng=lng + 0.01, min_lat=lat, max_lat=lat + 0.01)
    assert grid_at(lng + 0.005, lat + 0.005) is None
    # The street's and communities' own polygons never answer for a grid.
    assert grid_at(*world.point_in(0)) == world.grids[0]


@pytest.mark.parametrize("lng,lat", [
    ("abc", "39.66"), (None, 39.66), ("", ""), (float("nan"), 39.66), ("inf", 39.66),
    (190, 39.66), (106.8, 91), (39.66, 106.80),   # swapped
    (-74.0, 40.7),                                # New York
])
def test_bad_coordinates(lng, lat):
    with pytest.raises(ValidationFailed) as info:
        check_coordinates(lng, lat)
    assert info.value.code == "bad_coordinates" and info.value.message
