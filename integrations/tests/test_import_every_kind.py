"""The rules every kind of import keeps, kind by kind and in both table formats:
a file with one bad row writes nothing until the user asks for the clean rows;
then exactly the clean rows are written; importing the same file again adds
nothing and changes nothing."""

import pytest

from appeals.models import Appeal
from core.errors import ValidationFailed
from integrations import services
from integrations.models import WorkOrder
from party.models import PartyMember
from people.models import Person, Unit
from regions.models import Household, Region

from .data.samples import HEADERS, build_scene, csv_bytes, id_number, xlsx
from .test_import_flow import grid_file, order, run  # noqa: F401 - run is a fixture

pytestmark = pytest.mark.django_db

# kind → (who imports, clean rows, one bad row, what to count)
KINDS = {
    "residents": ("community_staff", [
        ["居民甲", "女", id_number(201), "13900000201", "", "幸福小区", "3号楼", "1", "101"],
        ["居民乙", "男", id_number(202), "", "", "幸福小区", "5号楼", "1", "102"],
    ], ["居民丙", "男", id_number(203), "12345", "", "幸福小区", "3号楼", "1", "103"],
        lambda: (Person.objects.count(), Household.objects.count())),
    "households": ("community_staff", [
        ["幸福小区", "3号楼", "1", "301", "是"], ["幸福小区", "5号楼", "1", "302", ""],
    ], ["幸福小区", "9号楼", "1", "303", ""], lambda: (Household.objects.count(),)),
    "party_members": ("community_staff", [
        ["党员甲", id_number(211), "13900000211", "第一社区党支部", "1998-07-01", ""],
        ["党员乙", id_number(212), "", "第一社区党支部", "", "综合执法中队"],
    ], ["党员丙", id_number(213), "", "不存在党支部", "", ""],
        lambda: (Person.objects.count(), PartyMember.objects.count())),
    "units": ("street_staff", [
        ["市政管理所", "职能部门", "", "0473-3999888"], ["物业甲", "物业企业", "", ""],
    ], ["不明", "外星单位", "", ""], lambda: (Unit.objects.count(),)),
    "work_orders": ("community_staff", [order("GD101"), order("GD102", address="幸福小区5号楼")],
                    order("GD103", category="外星分类"),
                    lambda: (Appeal.objects.count(), WorkOrder.objects.count())),
}


@pytest.fixture
def world():
    return build_scene()


def _file(kind, rows, fmt):
    if fmt == "csv":
        return csv_bytes(HEADERS[kind], rows), f"{kind}.csv"
    return xlsx(HEADERS[kind], rows), f"{kind}.xlsx"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_clean_rows_only_on_request_and_no_duplicates_on_reimport(world, run, kind, fmt):  # noqa: F811
    who, clean, bad, counts = KINDS[kind]
    user = world.users[who]
    before = counts()
    data, name = _file(kind, [clean[0], bad, clean[1]], fmt)
    job = run(user, kind, data, name)
    assert (job.status, job.total, job.valid, job.error_count) == ("checked", 3, 2, 1)
    assert [e["row"] for e in job.errors] == [3]  # the bad row, numbered as in Excel (header is row 1)
    with pytest.raises(ValidationFailed):
        services.import_confirm(actor=user, job=job, expected_version=job.version)
    assert counts() == before  # nothing written for a file with a bad row
    job = run.confirm(user, job, clean_only=True)
    assert (job.status, job.created, job.done) == ("done", 2, 2)
    after = counts()
    assert after != before
    again = run.confirm(user, run(user, kind, data, name), clean_only=True)
    assert (again.status, again.created, again.updated) == ("done", 0, 0)
    assert counts() == after


def test_the_same_grid_file_twice_makes_one_grid(world, run):  # noqa: F811
    staff = world.users["street_staff"]
    community = world.communities[0].code
    data = grid_file(community + "009", community)
    for _time in range(2):
        job = run.confirm(staff, run(staff, "grids", data, "grids.geojson"))
        assert job.status == "done"
    assert Region.objects.filter(code=community + "009").count() == 1
    assert job.created == 0
