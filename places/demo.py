"""Demo service points for the demo street, created through the real services
(as the street's and communities' staff, with past timestamps): the street's
党群服务中心, a 党群服务站 per community, 暖心驿站 for riders (two open round
the clock), a 新时代文明实践站, 议事厅 and 调解室, an 爱心超市, with hours,
offerings, a few exceptions and daily counts of people served.

Runs first among the app loaders: deliberation meetings and mediations look
these places up by kind and community.
"""

import datetime as dt

from core.errors import LinliError

from . import services
from .models import Amenity as A
from .models import Place

K = Place.Kind
OFFICE = ["08:30-12:00, 14:30-18:00"] * 5 + ["09:00-12:00", ""]
CENTRE = ["08:30-20:00"] * 5 + ["09:00-17:00", "09:00-17:00"]
ALWAYS = ["24h"] * 7
RIDER = ["07:00-22:00"] * 7
EVENING = ["", "", "", "", "", "14:00-17:00", "14:00-17:00"]
HALL = ["19:00-21:00", "", "19:00-21:00", "", "", "09:00-11:30", ""]
MEDIATION = ["09:00-11:30, 14:30-17:30"] * 5 + ["", ""]
SUPERMARKET = ["", "09:00-11:30, 15:00-18:00", "", "09:00-11:30, 15:00-18:00", "", "09:00-12:00", ""]
RIDER_AMENITIES = {A.REST: "", A.WATER: "", A.CHARGING: "", A.HEATING_FOOD: "", A.TOILET: "", A.FIRST_AID: "",
                   A.COOLING_WARMING: "", A.UMBRELLA: "", A.WIFI: ""}


def _offset(region, rng, spread=0.0025):
    lng = (region.centroid_lng or 106.8) + rng.uniform(-spread, spread)
    lat = (region.centroid_lat or 39.67) + rng.uniform(-spread, spread)
    return round(lng, 6), round(lat, 6)


def _phone(rng) -> str:
    return f"0473-{rng.randint(2000000, 3999999)}"


def load(world, rng, now) -> dict[str, int]:
    street = world.street
    communities = list(street.children.filter(level="community").order_by("code"))
    street_actor = world.street_staff
    created = []

    def add(actor, region, name, kind, hours, amenities, *, when, public=True, holidays=False, note="", contact="",
            description=""):
        lng, lat = _offset(region, rng, 0.0008 if region == street else 0.0025)
        try:
            place = services.place_create(
                actor=actor, now=when, name=name, kind=kind, region=region, address=f"{region.name}{name}",
                lng=lng, lat=lat, phone=_phone(rng), contact_name=contact, description=description,
                is_public=public, closes_on_holidays=holidays, hours_note=note, hours=hours, amenities=amenities)
        except LinliError:
            return None
        created.append(place)
        return place

    start = now - dt.timedelta(days=300)
    add(street_actor, street, f"{street.name}党群服务中心", K.PARTY_CENTER, CENTRE,
        {A.REST: "", A.WATER: "", A.TOILET: "", A.CONSULTATION: "", A.READING: "", A.WIFI: "", A.AED: "",
         A.MEETING_ROOM: "", A.HEATING_FOOD: "11:00-13:30"}, when=start, contact="值班社工",
        description="“1+6+14+N”党群服务体系的核心阵地：帮办代办窗口、鸿雁书屋、基层讲堂、助餐点。",
        note="“延时上班”：工作日开放到20:00")
    rider_names = ["暖心驿站（万达广场）", "红色驿站（滨河路）", "暖心驿站（火车站）", "爱心驿站（农贸市场）",
                   "暖心驿站（人民路）"]
    for i, community in enumerate(communities):
        staff = world.community_staff.get(community.pk) or street_actor
        when = start + dt.timedelta(days=3 + i)
        add(staff, community, f"{community.name}党群服务站", K.SERVICE_STATION, OFFICE,
            {A.REST: "", A.WATER: "", A.TOILET: "", A.CONSULTATION: "", A.READING: "", A.CHARGING: ""},
            when=when, holidays=True, contact="社区值班室")
        if i < len(rider_names) and i < 5:
            add(staff, community, rider_names[i], K.RIDER_STATION, ALWAYS if i < 2 else RIDER,
                RIDER_AMENITIES | ({A.HEATING_FOOD: "07:00-21:00"} if i >= 2 else {}), when=when,
                contact="驿站管理员", description="为快递小哥、外卖骑手、环卫工人等新业态新就业群体和户外劳动者"
                                               "提供休息、饮水、充电、热饭等服务。")
        if i % 2 == 0:
            add(staff, community, f"{community.name}红色议事厅", K.DELIBERATION_HALL, HALL,
                {A.MEETING_ROOM: "", A.WATER: ""}, when=when, note="议事会前另行通知")
            add(staff, community, f"{community.name}人民调解室", K.MEDIATION_ROOM, MEDIATION,
                {A.CONSULTATION: "", A.WATER: ""}, when=when, holidays=True, contact="人民调解员")
    if communities:
        first = communities[0]
        staff = world.community_staff.get(first.pk) or street_actor
        add(staff, first, f"{first.name}新时代文明实践站", K.CIVILIZATION_STATION, CENTRE[:5] + EVENING[5:],
            {A.READING: "", A.WIFI: "", A.WATER: "", A.MEETING_ROOM: ""}, when=start + dt.timedelta(days=10))
        last = communities[-1]
        staff = world.community_staff.get(last.pk) or street_actor
        add(staff, last, "爱心超市", K.CHARITY_SUPERMARKET, SUPERMARKET, {A.CONSULTATION: ""},
            when=start + dt.timedelta(days=12), holidays=True, description="积分兑换生活用品。")

    # A closure next week and a short day, as staff enter them.
    specials = 0
    for place in created[:3]:
        actor = street_actor if place.region_id == street.pk else world.community_staff.get(place.region_id, street_actor)
        day = (now + dt.timedelta(days=5 + specials)).date()
        try:
            services.special_day_set(place.pk, actor=actor, date=day, is_closed=specials != 1,
                                     hours="09:00-12:00", note="设备检修" if specials != 1 else "半天开放", now=now)
            specials += 1
        except LinliError:
            continue

    # People served per day at the riders' stations over the last 30 days.
    uses = 0
    for place in created:
        if place.kind != K.RIDER_STATION:
            continue
        actor = world.community_staff.get(place.region_id, street_actor)
        for back in range(30, 0, -1):
            day = (now - dt.timedelta(days=back)).date()
            try:
                services.use_record(place.pk, actor=actor, date=day, count=rng.randint(15, 80), now=now)
                uses += 1
            except LinliError:
                continue

    return {"places": len(created), "rider_stations": sum(p.kind == K.RIDER_STATION for p in created),
            "special_days": specials, "use_days": uses}
