"""Test helpers for Open311: a world with a jurisdiction, a key and a streetlight attribute."""

from dataclasses import dataclass

from appeals.models import Category
from testing.world import World, build_world

from ..models import Open311Attribute, Open311Jurisdiction, Open311Key
from . import keys


@dataclass
class Open311World:
    world: World
    jurisdiction: Open311Jurisdiction
    key: Open311Key
    api_key: str
    pole: Open311Attribute
    lamp: Open311Attribute

    def point(self, grid: int = 0) -> dict:
        lng, lat = self.world.point_in(grid)
        return {"lat": f"{lat}", "long": f"{lng}"}

    def post_data(self, **overrides) -> dict:
        data = {"api_key": self.api_key, "jurisdiction_id": self.jurisdiction.jurisdiction_id, "service_code": "streetlight",
                "description": "小区门口的路灯坏了一周了，晚上很黑。", "email": "zhang.san@example.cn", "first_name": "三",
                "last_name": "张", "phone": "13812345678", "media_url": "https://img.example.cn/p/1.jpg",
                "attribute[pole]": "A-017", "attribute[lamp]": "led", **self.point()}
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}


def build_open311_world(**jurisdiction_fields) -> Open311World:
    world = build_world()
    key, raw = keys.issue_key(actor=world.users["street_staff"], street_id=world.street.pk, name="区12345平台")
    jurisdiction = key.jurisdiction
    for field, value in {"service_notice": "网格员将在24小时内到场核实。", **jurisdiction_fields}.items():
        setattr(jurisdiction, field, value)
    jurisdiction.save()
    category = Category.objects.get(code="streetlight")
    pole = Open311Attribute.objects.create(category=category, code="pole", datatype=Open311Attribute.Datatype.STRING,
                                           required=True, order=1, description="路灯杆编号")
    lamp = Open311Attribute.objects.create(
        category=category, code="lamp", datatype=Open311Attribute.Datatype.SINGLE, required=False, order=2,
        description="灯的类型", values=[{"key": "led", "name": "LED"}, {"key": "sodium", "name": "钠灯"}])
    return Open311World(world=world, jurisdiction=jurisdiction, key=key, api_key=raw, pole=pole, lamp=lamp)
