"""What each kind of import reads and how one clean row is written.

An importer knows its columns, checks one row against lookups loaded once for
the whole file (`prepare`), gives the row's natural key (so a file's repeats
are caught and a re-import finds what it wrote last time) and writes one row
idempotently. Headers are the Chinese ones on the downloadable template; the
English column keys are accepted too.
"""

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from accounts.selectors import managed_communities, user_scopes
from appeals.models import Category
from appeals.workflow import Channel, Urgency
from core.crypto import blind_index
from party.models import PartyMember, PartyOrg
from people.models import Person, Unit
from regions.models import Building, Estate, Household, Region

from .imports import checks
from .imports.checks import CellError
from .models import ImportJob, WorkOrder


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    example: str = ""
    aliases: tuple = ()

    def names(self) -> set[str]:
        return {self.key.lower(), self.header, *self.aliases}


@dataclass
class Scope:
    """Where the importing user may write: their communities, their streets, or everywhere."""

    is_admin: bool
    community_ids: set[int]
    street_ids: set[int]

    @classmethod
    def of(cls, user) -> "Scope":
        scopes = user_scopes(user)
        return cls(is_admin=scopes.is_admin,
                   community_ids=set(managed_communities(user).values_list("pk", flat=True)),
                   street_ids=set(scopes.regions(Role.STREET_STAFF, Region.Level.STREET)))

    @property
    def is_empty(self) -> bool:
        return not (self.is_admin or self.community_ids or self.street_ids)


@dataclass
class Row:
    number: int
    values: dict
    errors: list = field(default_factory=list)  # [(column header, message)]
    clean: dict = field(default_factory=dict)


def _norm_building(number: str) -> str:
    return re.sub(r"(号楼|号|栋|幢|楼)$", "", number.strip())


class Importer(ABC):
    """One kind of file. Each kind says how a row is checked and written; a kind
    that forgets either cannot be instantiated."""

    kind: str = ""
    columns: tuple[Column, ...] = ()
    key_column: str = ""

    def __init__(self, actor, scope: Scope):
        self.actor = actor
        self.scope = scope

    # -- permission and lookups, once per file
    @classmethod
    def allowed(cls, scope: Scope) -> bool:
        return not scope.is_empty

    def prepare(self, rows: list[Row]) -> None:
        """Load what the checks look up, for all rows at once."""

    # -- one row
    @abstractmethod
    def check(self, row: Row) -> None:
        """Fill `row.clean`, or append (column, reason) to `row.errors`; write nothing."""

    def after_checks(self, rows: list[Row]) -> None:
        """Checks that need every row checked first."""

    def key(self, row: Row):
        return None

    @abstractmethod
    def write(self, row: Row, job: ImportJob) -> str:
        """Write one clean row; return "created", "updated" or "unchanged"."""

    # -- helpers for checks
    def cell(self, row: Row, key: str, fn, *args, **kwargs):
        column = self.column(key)
        try:
            value = fn(row.values.get(key, ""), *args, **kwargs)
        except CellError as e:
            row.errors.append((column.header, e.message))
            return None
        row.clean[key] = value
        return value

    def fail(self, row: Row, key: str, message: str) -> None:
        row.errors.append((self.column(key).header, str(message)))

    @classmethod
    def column(cls, key: str) -> Column:
        return next(c for c in cls.columns if c.key == key)


class _PlaceMixin:
    """Estate › building › entrance › room inside the user's communities."""

    def _load_places(self, rows):
        estates = Estate.objects.select_related("community")
        if not self.scope.is_admin:
            estates = estates.filter(community_id__in=self.scope.community_ids)
        names = {checks.as_text(r.values.get("estate")) for r in rows}
        self.estates: dict[str, list[Estate]] = {}
        for estate in estates.filter(name__in=names):
            self.estates.setdefault(estate.name, []).append(estate)
        self.buildings: dict[tuple[int, str], Building] = {}
        for b in Building.objects.filter(estate__in=[e for es in self.estates.values() for e in es]):
            self.buildings[(b.estate_id, _norm_building(b.number))] = b

    def _check_place(self, row: Row) -> Building | None:
        estate_name = self.cell(row, "estate", checks.text, max_length=100, required=True)
        number = self.cell(row, "building", checks.text, max_length=32, required=True)
        entrance = self.cell(row, "entrance", checks.positive_int, default=1, maximum=99)
        self.cell(row, "room", checks.text, max_length=16, required=True)
        community = self.cell(row, "community", checks.text, max_length=100) if self.has("community") else ""
        if not estate_name:
            return None
        candidates = self.estates.get(estate_name, [])
        if community:
            candidates = [e for e in candidates if community in (e.community.name, e.community.code)]
        if not candidates:
            self.fail(row, "estate", _("No estate “%(name)s” in the communities you manage.") % {"name": estate_name})
            return None
        if len(candidates) > 1:
            self.fail(row, "estate", _("Several communities have an estate “%(name)s”; fill in the community column.")
                      % {"name": estate_name})
            return None
        estate = candidates[0]
        if not number:
            return None
        building = self.buildings.get((estate.pk, _norm_building(number)))
        if building is None:
            self.fail(row, "building", _("Estate “%(estate)s” has no building “%(number)s”.")
                      % {"estate": estate.name, "number": number})
            return None
        if entrance and entrance > building.entrances:
            self.fail(row, "entrance", _("Building %(b)s has %(n)d entrance(s), not %(e)d.")
                      % {"b": building, "n": building.entrances, "e": entrance})
            return None
        row.clean["building_obj"] = building
        return building

    def has(self, key: str) -> bool:
        return any(c.key == key for c in self.columns)

    def household_key(self, row: Row):
        building = row.clean.get("building_obj")
        if building is None:
            return None
        return ("household", building.pk, row.clean.get("entrance") or 1, row.clean.get("room"))

    def _household(self, row: Row) -> tuple[Household, bool]:
        return Household.objects.get_or_create(building=row.clean["building_obj"], entrance=row.clean.get("entrance") or 1,
                                               room=row.clean["room"])


_PLACE_COLUMNS = (
    Column("community", "社区", example="社区1", aliases=("community name",)),
    Column("estate", "小区", True, "幸福小区", ("estate name",)),
    Column("building", "楼栋", True, "3号楼", ("building number",)),
    Column("entrance", "单元", example="1"),
    Column("room", "房号", True, "302"),
)


class HouseholdImporter(_PlaceMixin, Importer):
    kind = ImportJob.Kind.HOUSEHOLDS
    columns = _PLACE_COLUMNS + (Column("is_party_anchor", "党员中心户", example="否"),)

    def prepare(self, rows):
        self._load_places(rows)

    def check(self, row):
        self._check_place(row)
        self.cell(row, "is_party_anchor", checks.yes_no)

    def key(self, row):
        return self.household_key(row)

    def write(self, row, job):
        household, created = self._household(row)
        anchor = bool(row.clean.get("is_party_anchor"))
        if household.is_party_anchor != anchor:
            household.is_party_anchor = anchor
            household.save(update_fields=["is_party_anchor"])
            return "created" if created else "updated"
        return "created" if created else "unchanged"


GENDERS = {"男": Person.Gender.MALE, "女": Person.Gender.FEMALE, "m": Person.Gender.MALE, "f": Person.Gender.FEMALE,
           "male": Person.Gender.MALE, "female": Person.Gender.FEMALE}


def _gender(value) -> str:
    raw = checks.as_text(value).lower()
    if not raw:
        return ""
    if raw not in GENDERS:
        raise CellError(_("Write 男 or 女 (male or female)."))
    return GENDERS[raw]


def _existing_people(rows) -> dict[str, Person]:
    indexes = [blind_index(r.clean["id_number"]) for r in rows if r.clean.get("id_number")]
    found = {}
    for start in range(0, len(indexes), 500):
        for person in Person.objects.filter(id_number_index__in=indexes[start:start + 500]).select_related(
                "household__building__grid"):
            found[person.id_number_index] = person
    return found


class ResidentImporter(_PlaceMixin, Importer):
    kind = ImportJob.Kind.RESIDENTS
    columns = (
        Column("name", "姓名", True, "张桂兰"),
        Column("gender", "性别", example="女"),
        Column("id_number", "身份证号", True, "150302196203150027", ("id number", "身份证号码")),
        Column("phone", "手机号", example="13947300001", aliases=("联系电话", "电话")),
    ) + _PLACE_COLUMNS

    def prepare(self, rows):
        self._load_places(rows)
        self._rows = rows

    def check(self, row):
        self.cell(row, "name", checks.text, max_length=64, required=True)
        self.cell(row, "gender", _gender)
        self.cell(row, "id_number", checks.id_number)
        self.cell(row, "phone", checks.phone)
        self._check_place(row)

    def after_checks(self, rows):
        """People already registered elsewhere may only be moved by whoever manages them."""
        existing = _existing_people([r for r in rows if not r.errors])
        for row in rows:
            if row.errors:
                continue
            person = existing.get(blind_index(row.clean["id_number"]))
            row.clean["person"] = person
            if person is None or self.scope.is_admin or person.household_id is None:
                continue
            if person.household.building.grid.parent_id not in self.scope.community_ids:
                self.fail(row, "id_number", _("This person is registered in a community you do not manage; "
                                              "ask that community or the street to change the record."))

    def key(self, row):
        return ("person", row.clean.get("id_number")) if row.clean.get("id_number") else None

    def write(self, row, job):
        household, _created = self._household(row)
        c = row.clean
        person = Person.objects.filter(id_number_index=blind_index(c["id_number"])).first()
        values = {"name": c["name"], "gender": c.get("gender") or "", "phone": c.get("phone") or "", "household": household}
        if person is None:
            Person.objects.create(id_number=c["id_number"], **values)
            return "created"
        changed = [k for k, v in values.items() if getattr(person, k) != v and not (k == "gender" and not v)
                   and not (k == "phone" and not v)]
        if not changed:
            return "unchanged"
        for k in changed:
            setattr(person, k, values[k])
        person.save()
        return "updated"


def _org_region(org: PartyOrg) -> Region | None:
    node, seen = org, set()
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        if node.region_id:
            return node.region
        if node.building_id:
            return node.building.grid
        if node.estate_id:
            return node.estate.community
        node = node.parent
    return None


def _within(region: Region | None, scope: Scope) -> bool:
    if scope.is_admin:
        return True
    if region is None:
        return False
    ids = {int(x) for x in region.path.strip("/").split("/") if x}
    return bool(ids & (scope.community_ids | scope.street_ids))


class PartyMemberImporter(Importer):
    kind = ImportJob.Kind.PARTY_MEMBERS
    columns = (
        Column("name", "姓名", True, "李建国"),
        Column("id_number", "身份证号", True, "150302197001010011", ("id number", "身份证号码")),
        Column("phone", "手机号", example="13947300002", aliases=("联系电话", "电话")),
        Column("org", "党组织", True, "第一社区党支部", ("党组织名称", "党组织编号", "party org")),
        Column("joined_on", "入党日期", example="1998-07-01", aliases=("joined on",)),
        Column("employer", "工作单位", example="综合执法中队"),
    )

    def prepare(self, rows):
        names = {checks.as_text(r.values.get("org")) for r in rows}
        orgs = PartyOrg.objects.select_related("region", "estate__community", "building__grid", "parent").filter(
            Q(name__in=names) | Q(pk__in=[int(n) for n in names if n.isdigit()]))
        self.orgs_by_name: dict[str, list[PartyOrg]] = {}
        self.orgs_by_id = {}
        for org in orgs:
            self.orgs_by_name.setdefault(org.name, []).append(org)
            self.orgs_by_id[str(org.pk)] = org
        self.units = {u.name: u for u in Unit.objects.filter(name__in={checks.as_text(r.values.get("employer"))
                                                                        for r in rows})}

    def check(self, row):
        self.cell(row, "name", checks.text, max_length=64, required=True)
        self.cell(row, "id_number", checks.id_number)
        self.cell(row, "phone", checks.phone)
        self.cell(row, "joined_on", checks.date)
        org_name = self.cell(row, "org", checks.text, max_length=100, required=True)
        employer = self.cell(row, "employer", checks.text, max_length=100)
        if org_name:
            found = self.orgs_by_name.get(org_name) or ([self.orgs_by_id[org_name]] if org_name in self.orgs_by_id else [])
            if not found:
                self.fail(row, "org", _("No party organisation “%(v)s”.") % {"v": org_name})
            elif len(found) > 1:
                self.fail(row, "org", _("Several party organisations are called “%(v)s”; give its number instead.")
                          % {"v": org_name})
            elif not _within(_org_region(found[0]), self.scope):
                self.fail(row, "org", _("The party organisation “%(v)s” is outside your area.") % {"v": org_name})
            else:
                row.clean["org_obj"] = found[0]
        if employer:
            if employer not in self.units:
                self.fail(row, "employer", _("No unit “%(v)s”; import the unit first.") % {"v": employer})
            else:
                row.clean["employer_obj"] = self.units[employer]

    def key(self, row):
        return ("person", row.clean.get("id_number")) if row.clean.get("id_number") else None

    def write(self, row, job):
        c = row.clean
        result = "unchanged"
        person = Person.objects.filter(id_number_index=blind_index(c["id_number"])).first()
        if person is None:
            person = Person.objects.create(name=c["name"], id_number=c["id_number"], phone=c.get("phone") or "")
            result = "created"
        elif c.get("phone") and person.phone != c["phone"]:
            person.phone = c["phone"]
            person.save()
            result = "updated"
        values = {"org": c["org_obj"], "joined_on": c.get("joined_on"), "employer": c.get("employer_obj")}
        member = PartyMember.objects.filter(person=person).first()
        if member is None:
            PartyMember.objects.create(person=person, **values)
            return "created"
        changed = [k for k, v in values.items() if v is not None and getattr(member, k) != v]
        for k in changed:
            setattr(member, k, values[k])
        if changed:
            member.save(update_fields=changed)
            return "updated"
        return result


UNIT_KINDS = {
    "职能部门": Unit.Kind.DEPARTMENT, "部门": Unit.Kind.DEPARTMENT, "公用事业": Unit.Kind.UTILITY,
    "公用事业单位": Unit.Kind.UTILITY, "派出所": Unit.Kind.POLICE, "物业": Unit.Kind.PROPERTY,
    "物业企业": Unit.Kind.PROPERTY, "物业公司": Unit.Kind.PROPERTY, "业委会": Unit.Kind.OWNERS_COMMITTEE,
    "驻区单位": Unit.Kind.RESIDENT_UNIT, "其他": Unit.Kind.OTHER,
}


def _unit_kind(value) -> str:
    raw = checks.as_text(value)
    if not raw:
        raise CellError(_("This cell is required but empty."))
    if raw in UNIT_KINDS:
        return UNIT_KINDS[raw]
    for choice in Unit.Kind:
        if raw.lower() in (choice.value, str(choice.label).lower()):
            return choice.value
    raise CellError(_("Unknown unit kind “%(v)s”; use one of: %(kinds)s.") % {"v": raw[:30], "kinds": "、".join(UNIT_KINDS)})


class UnitImporter(Importer):
    kind = ImportJob.Kind.UNITS
    columns = (
        Column("name", "单位名称", True, "市政管理所", ("名称",)),
        Column("kind", "类型", True, "职能部门"),
        Column("street", "所属街道", example="", aliases=("街道",)),
        Column("phone", "服务电话", example="0473-1234567"),
    )

    @classmethod
    def allowed(cls, scope):
        """Units serve a whole street: street staff and administrators keep them."""
        return scope.is_admin or bool(scope.street_ids)

    def prepare(self, rows):
        self.existing = {u.name: u for u in Unit.objects.filter(name__in={checks.as_text(r.values.get("name"))
                                                                          for r in rows})}
        self.streets = list(Region.objects.filter(level=Region.Level.STREET))

    def check(self, row):
        name = self.cell(row, "name", checks.text, max_length=100, required=True)
        self.cell(row, "kind", _unit_kind)
        self.cell(row, "phone", checks.text, max_length=32)
        street_text = self.cell(row, "street", checks.text, max_length=100)
        street = None
        if street_text:
            found = [s for s in self.streets if street_text in (s.code, s.name)]
            if len(found) != 1:
                self.fail(row, "street", _("No street “%(v)s”.") % {"v": street_text})
                return
            street = found[0]
            if not self.scope.is_admin and street.pk not in self.scope.street_ids:
                self.fail(row, "street", _("The street “%(v)s” is not yours.") % {"v": street_text})
                return
        elif not self.scope.is_admin:
            if len(self.scope.street_ids) > 1:
                self.fail(row, "street", _("You manage several streets; fill in the street."))
                return
            street = Region.objects.get(pk=next(iter(self.scope.street_ids)))
        row.clean["street_obj"] = street
        existing = self.existing.get(name) if name else None
        if existing is not None and not self.scope.is_admin and existing.street_id not in self.scope.street_ids:
            self.fail(row, "name", _("A unit of this name belongs to another street or to the district."))

    def key(self, row):
        return ("unit", row.clean.get("name")) if row.clean.get("name") else None

    def write(self, row, job):
        c = row.clean
        values = {"kind": c["kind"], "street": c.get("street_obj"), "phone": c.get("phone") or ""}
        unit = Unit.objects.filter(name=c["name"]).first()
        if unit is None:
            Unit.objects.create(name=c["name"], **values)
            return "created"
        changed = [k for k, v in values.items() if getattr(unit, k) != v]
        for k in changed:
            setattr(unit, k, values[k])
        if changed:
            unit.save(update_fields=changed)
            return "updated"
        return "unchanged"


URGENCIES = {"紧急": Urgency.URGENT, "urgent": Urgency.URGENT, "一般": Urgency.NORMAL, "普通": Urgency.NORMAL,
             "normal": Urgency.NORMAL, "": Urgency.NORMAL}


def _urgency(value) -> str:
    raw = checks.as_text(value).lower()
    if raw not in URGENCIES:
        raise CellError(_("Write 紧急 or 一般 (urgent or normal)."))
    return URGENCIES[raw]


class WorkOrderImporter(Importer):
    """12345 work orders become appeals in the loop, channel hotline_12345."""

    kind = ImportJob.Kind.WORK_ORDERS
    columns = (
        Column("number", "工单编号", True, "GD2024030500123", ("工单号",)),
        Column("received_at", "受理时间", True, "2024-03-05 09:30", ("来电时间", "time")),
        Column("caller", "来电人", example="王女士", aliases=("诉求人",)),
        Column("phone", "联系电话", example="13947300003", aliases=("电话",)),
        Column("address", "地址", True, "幸福小区3号楼", ("诉求地址", "事发地址")),
        Column("content", "诉求内容", True, "3号楼前路灯不亮已经一周，晚上出行不便。", ("内容",)),
        Column("category", "类别", True, "路灯", ("诉求类别", "分类")),
        Column("deadline", "办结时限", example="2024-03-12", aliases=("办理时限", "截止时间")),
        Column("grid", "网格编码", example="", aliases=("网格",)),
        Column("urgency", "紧急程度", example="一般"),
    )

    @classmethod
    def allowed(cls, scope):
        return not scope.is_empty

    def prepare(self, rows):
        numbers = {checks.as_text(r.values.get("number")) for r in rows}
        self.existing = set(WorkOrder.objects.filter(number__in=numbers).values_list("number", flat=True))
        self.categories: dict[str, list[Category]] = {}
        leaves = Category.objects.filter(is_active=True).exclude(children__is_active=True).distinct()
        for c in leaves:
            for name in {c.code, c.name, c.name_en}:
                if name:
                    self.categories.setdefault(name, []).append(c)
        grids = Region.objects.filter(level=Region.Level.GRID).select_related("parent")
        if not self.scope.is_admin:
            grids = grids.filter(Q(parent_id__in=self.scope.community_ids) | Q(parent__parent_id__in=self.scope.street_ids))
        self.grids = {g.code: g for g in grids}
        self.all_grid_codes = set(Region.objects.filter(level=Region.Level.GRID).values_list("code", flat=True))
        estates = Estate.objects.filter(buildings__grid__code__in=self.grids).distinct().prefetch_related("buildings")
        # Longest names first, so “幸福小区二期” wins over “幸福小区”.
        self.estates = sorted(estates, key=lambda e: -len(e.name))

    def _place(self, row: Row, address: str) -> None:
        grid_code = row.clean.get("grid")
        if grid_code:
            if grid_code in self.grids:
                row.clean["grid_code"] = grid_code
            elif grid_code in self.all_grid_codes:
                self.fail(row, "grid", _("The grid %(v)s is outside your area.") % {"v": grid_code})
            else:
                self.fail(row, "grid", _("No grid with code %(v)s.") % {"v": grid_code})
            return
        estate = next((e for e in self.estates if e.name and e.name in address), None)
        if estate is not None:
            rest = address.split(estate.name, 1)[1]
            for b in sorted(estate.buildings.all(), key=lambda b: -len(b.number)):
                num = _norm_building(b.number)
                if re.match(rf"^\s*{re.escape(num)}\s*(号楼|号|栋|幢|楼)", rest) or rest.strip().startswith(b.number):
                    if b.grid.code in self.grids:
                        row.clean["building_id"] = b.pk
                        return
            grids = {b.grid.code for b in estate.buildings.all() if b.grid.code in self.grids}
            if len(grids) == 1:
                row.clean["grid_code"] = grids.pop()
                return
        self.fail(row, "address", _("The address matches no estate or building in your area; fill in the grid code (网格编码)."))

    def check(self, row):
        number = self.cell(row, "number", checks.text, max_length=64, required=True)
        received = self.cell(row, "received_at", checks.datetime, required=True)
        self.cell(row, "caller", checks.text, max_length=64)
        self.cell(row, "phone", checks.phone)
        address = self.cell(row, "address", checks.text, max_length=200, required=True)
        self.cell(row, "content", checks.text, max_length=4000, min_length=5, required=True)
        category = self.cell(row, "category", checks.text, max_length=64, required=True)
        deadline = self.cell(row, "deadline", checks.datetime, end_of_day=True)
        self.cell(row, "grid", checks.text, max_length=20)
        self.cell(row, "urgency", _urgency)
        if category:
            found = self.categories.get(category, [])
            if len(found) != 1:
                self.fail(row, "category", _("Unknown category “%(v)s”: use a category name or code of the platform.")
                          % {"v": category})
            else:
                row.clean["category_obj"] = found[0]
        if received and deadline and deadline <= received:
            self.fail(row, "deadline", _("The deadline is before the time the order was received."))
        if address:
            self._place(row, address)
        if number and number in self.existing:
            row.clean["already"] = True

    def key(self, row):
        return ("order", row.clean.get("number")) if row.clean.get("number") else None

    def write(self, row, job):
        from appeals.services import appeal_submit

        c = row.clean
        if WorkOrder.objects.filter(number=c["number"]).exists():
            return "unchanged"
        appeal = appeal_submit(
            actor=self.actor, content=c["content"], category=c["category_obj"], channel=Channel.HOTLINE,
            address=c["address"], grid_code=c.get("grid_code", ""), building_id=c.get("building_id"),
            urgency=c.get("urgency") or Urgency.NORMAL, reporter_name=c.get("caller") or "",
            reporter_phone=c.get("phone") or "", now=c["received_at"])
        WorkOrder.objects.create(number=c["number"], appeal=appeal, received_at=c["received_at"],
                                 deadline=c.get("deadline"), job=job)
        return "created"


IMPORTERS: dict[str, type[Importer]] = {cls.kind: cls for cls in (
    ResidentImporter, HouseholdImporter, PartyMemberImporter, UnitImporter, WorkOrderImporter)}

TABLE_KINDS = tuple(IMPORTERS)
KIND_HELP = {
    ImportJob.Kind.RESIDENTS: gettext_lazy("One row per person; the household is found or created by estate, building, "
                                           "entrance and room. The ID number is the key: importing again updates."),
    ImportJob.Kind.HOUSEHOLDS: gettext_lazy("One row per household (户) by estate, building, entrance and room."),
    ImportJob.Kind.PARTY_MEMBERS: gettext_lazy("One row per member with their party organisation by name or number."),
    ImportJob.Kind.UNITS: gettext_lazy("Departments, utilities, property companies…; the name is the key."),
    ImportJob.Kind.WORK_ORDERS: gettext_lazy("12345 hotline work orders (工单) become appeals in the loop; "
                                             "the work-order number is the key."),
    ImportJob.Kind.GRIDS: gettext_lazy("A GeoJSON FeatureCollection of grids with code, name, level and parent_code."),
}
