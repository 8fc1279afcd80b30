"""A small street for tests: 1 street, 2 communities, 2 grids each (square
polygons near Wuhai), 2 units, categories, and one user per role and scope."""

from dataclasses import dataclass, field

from accounts.models import Role, User
from appeals.models import Category
from people.models import Unit
from regions.models import Region

from .factories import CategoryFactory, RegionFactory, UnitFactory, square, user_with_role

ORIGIN = (106.80, 39.66)
SIZE = 0.01


@dataclass
class World:
    street: Region
    communities: list[Region]
    grids: list[Region]  # grids[0], grids[1] in communities[0]; grids[2], grids[3] in communities[1]
    units: list[Unit]
    category: Category
    users: dict[str, User] = field(default_factory=dict)

    def point_in(self, grid_index: int) -> tuple[float, float]:
        g = self.grids[grid_index]
        return g.centroid_lng, g.centroid_lat


def build_world() -> World:
    lng0, lat0 = ORIGIN
    street = RegionFactory(code="150302004", name="凤凰岭街道", level=Region.Level.STREET,
                           geometry=square(lng0, lat0, SIZE * 4))
    communities, grids = [], []
    for c in range(2):
        community = RegionFactory(code=f"150302004{c + 1:03d}", name=f"社区{c + 1}", level=Region.Level.COMMUNITY,
                                  parent=street, geometry=square(lng0 + c * SIZE * 2, lat0, SIZE * 2))
        communities.append(community)
        for g in range(2):
            grids.append(RegionFactory(code=f"{community.code}{g + 1:03d}", name=f"{community.name}第{g + 1}网格",
                                       level=Region.Level.GRID, parent=community,
                                       geometry=square(lng0 + (c * 2 + g) * SIZE, lat0, SIZE)))
    units = [UnitFactory(name="综合执法中队"), UnitFactory(name="自来水公司", kind=Unit.Kind.UTILITY)]
    parent = CategoryFactory(code="municipal", name="市政设施")
    category = CategoryFactory(code="streetlight", name="路灯", parent=parent, default_unit=units[0],
                               response_hours=24, resolve_workdays=5)
    world = World(street=street, communities=communities, grids=grids, units=units, category=category)
    u = world.users
    u["resident"] = user_with_role(Role.RESIDENT, username="resident")
    u["resident2"] = user_with_role(Role.RESIDENT, username="resident2")
    u["grid_worker"] = user_with_role(Role.GRID_WORKER, region=grids[0], username="grid0")
    u["grid_worker_other"] = user_with_role(Role.GRID_WORKER, region=grids[2], username="grid2")
    u["community_staff"] = user_with_role(Role.COMMUNITY_STAFF, region=communities[0], username="community0", is_leader=True)
    u["community_staff_other"] = user_with_role(Role.COMMUNITY_STAFF, region=communities[1], username="community1")
    u["street_staff"] = user_with_role(Role.STREET_STAFF, region=street, username="street", is_leader=True)
    u["unit_handler"] = user_with_role(Role.UNIT_HANDLER, unit=units[0], username="unit0")
    u["unit_leader"] = user_with_role(Role.UNIT_HANDLER, unit=units[0], username="unit0lead", is_leader=True)
    u["unit_handler_other"] = user_with_role(Role.UNIT_HANDLER, unit=units[1], username="unit1")
    return world
