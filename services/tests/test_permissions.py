"""Who sees which order, and personal data: the phone is encrypted at rest,
masked in lists, and every reveal of the full number is logged."""

import pytest
from django.db import connection

from core.errors import NotAllowed, NotFound
from core.models import AuditLog
from services import selectors, services
from services.models import ServiceOrder
from testing.world import build_world

from .factories import act, ask, make_provider

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def scene(world):
    """An order in each community, a wish on the wall, and providers on both sides."""
    world.holder = make_provider(username="holder", area=[world.communities[0]])
    world.near = make_provider(username="near", area=[world.communities[0]])
    world.far = make_provider(username="far", area=[world.communities[1]])
    world.mine = ask(world, requester_phone="13812345678")
    world.theirs = ask(world, user="resident2", in_community=1)
    world.published = act(ask(world, user="resident2"), "publish", world.users["community_staff"])
    world.wish = ask(world, user="resident2", kind="wish", content="想学用智能手机视频通话。")
    act(world.mine, "dispatch", world.users["community_staff"], provider=world.holder)
    return world


def visible(user) -> set[int]:
    return set(selectors.visible_orders(user).values_list("pk", flat=True))


def test_who_sees_which_order(scene):
    w = scene
    u = w.users
    everything = {w.mine.pk, w.theirs.pk, w.published.pk, w.wish.pk}
    assert visible(u["community_staff"]) == {w.mine.pk, w.published.pk, w.wish.pk}
    assert visible(u["community_staff_other"]) == {w.theirs.pk, w.wish.pk}
    assert visible(u["street_staff"]) == everything
    assert visible(u["resident"]) == {w.mine.pk, w.wish.pk}
    assert visible(u["resident2"]) == {w.theirs.pk, w.published.pk, w.wish.pk}
    assert visible(w.holder.user) == {w.mine.pk, w.published.pk, w.wish.pk}
    assert visible(w.near.user) == {w.published.pk, w.wish.pk}
    assert visible(w.far.user) == {w.wish.pk}
    assert visible(u["grid_worker_other"]) == {w.wish.pk}


def test_another_communitys_staff_can_neither_see_nor_act(scene, client):
    other = scene.users["community_staff_other"]
    with pytest.raises(NotFound):
        selectors.get_order(other, scene.mine.pk)
    for action, kwargs in (("cancel", {"note": "x"}), ("no_show", {"note": "x"}), ("dispatch", {"provider": scene.far.pk})):
        with pytest.raises(NotFound):
            services.order_transition(scene.mine.pk, action, other, **kwargs)
    with pytest.raises(NotAllowed):
        services.provider_set_active(actor=other, provider=scene.holder, active=False, note="x")
    client.force_login(other)
    assert client.get(f"/services/{scene.mine.pk}/").status_code == 404
    assert client.post(f"/services/{scene.mine.pk}/phone/").status_code == 404
    assert client.get(f"/services/{scene.mine.pk}/dispatch/", headers={"HX-Request": "true"}).status_code == 404
    assert f'data-order="{scene.mine.pk}"' not in client.get("/services/workbench/").content.decode()
    from accounts.models import ApiToken

    _, key = ApiToken.issue(other, "t")
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get(f"{API}/orders/{scene.mine.pk}", headers=headers).status_code == 404
    assert client.get(f"{API}/orders/{scene.mine.pk}/suggestions", headers=headers).status_code == 404
    ids = {o["id"] for o in client.get(f"{API}/orders", headers=headers).json()["items"]}
    assert scene.mine.pk not in ids and scene.theirs.pk in ids


def test_the_phone_is_encrypted_at_rest_and_masked_in_lists(scene, client):
    with connection.cursor() as cursor:
        cursor.execute("SELECT requester_phone FROM services_serviceorder WHERE id = %s", [scene.mine.pk])
        stored = cursor.fetchone()[0]
    assert stored and "13812345678" not in stored
    assert ServiceOrder.objects.get(pk=scene.mine.pk).requester_phone == "13812345678"
    client.force_login(scene.users["community_staff"])
    for url in ("/services/workbench/", f"/services/{scene.mine.pk}/"):
        body = client.get(url).content.decode()
        assert "13812345678" not in body, url
    assert "138****5678" in client.get(f"/services/{scene.mine.pk}/").content.decode()
    from accounts.models import ApiToken

    _, key = ApiToken.issue(scene.users["community_staff"], "t")
    listing = client.get(f"{API}/orders", headers={"Authorization": f"Bearer {key}"}).content.decode()
    assert "5678" not in listing


def test_revealing_the_phone_is_for_staff_and_the_provider_and_is_logged(scene, client):
    order = scene.mine
    url = f"/services/{order.pk}/phone/"
    client.force_login(scene.users["community_staff"])
    response = client.post(url, headers={"HX-Request": "true"})
    assert "13812345678" in response.content.decode()
    log = AuditLog.objects.get(action=AuditLog.Action.VIEW_PERSONAL, object_id=str(order.pk))
    assert (log.actor, log.fields) == (scene.users["community_staff"], ["requester_phone"])

    client.force_login(scene.holder.user)  # dispatched to them: they need to call
    assert "13812345678" in client.post(url, headers={"HX-Request": "true"}).content.decode()
    assert AuditLog.objects.filter(action=AuditLog.Action.VIEW_PERSONAL, actor=scene.holder.user).count() == 1

    client.force_login(scene.users["resident"])  # their own number, but the page shows it masked only
    response = client.post(url, headers={"HX-Request": "true"})
    assert "13812345678" not in response.content.decode()
    with pytest.raises(NotAllowed):
        services.reveal_phone(actor=scene.near.user, order=order)
    assert AuditLog.objects.filter(action=AuditLog.Action.VIEW_PERSONAL).count() == 2


def test_browsing_the_board_shows_no_personal_data(scene, client):
    ServiceOrder.objects.filter(pk=scene.published.pk).update(requester_name="王秀英", address="3号楼2单元501")
    client.force_login(scene.near.user)
    body = client.get(f"/services/{scene.published.pk}/").content.decode()
    assert "王秀英" not in body and "王**" in body and "501" not in body
    from accounts.models import ApiToken

    _, key = ApiToken.issue(scene.near.user, "t")
    data = client.get(f"{API}/orders/{scene.published.pk}", headers={"Authorization": f"Bearer {key}"}).json()
    assert (data["requester_name"], data["address"], data["requester_phone_masked"]) == ("王**", None, None)
