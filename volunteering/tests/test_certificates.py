"""Hours certificates: a volunteer issues their own, downloads it as a PDF with
its code, and anyone can check the code on a public page (name partly
masked); staff of the issuing community can revoke one."""

import re
from decimal import Decimal

import pytest
from django.conf import settings

from core.errors import Conflict, NotAllowed, ValidationFailed
from core.models import AuditLog
from testing.world import build_world
from volunteering import services
from volunteering.models import CertificateLookup, HoursCertificate, Signup
from volunteering.services import CODE_ALPHABET, CODE_LENGTH

from .factories import T_PUBLISH, at, publish, volunteer

pytestmark = pytest.mark.django_db

ISSUE = at(2026, 4, 1, 10)


@pytest.fixture
def world():
    return build_world()


def served(world, person, day: int, hours_out: int, title: str):
    """Sign up for a 09:00–12:00 activity on 2026-03-<day> and stay until hours_out o'clock."""
    activity = publish(world, title=title, starts_at=at(2026, 3, day, 9), ends_at=at(2026, 3, day, 12))
    record = services.signup(actor=person, activity=activity.pk, now=T_PUBLISH)
    staff = world.users["community_staff"]
    services.organiser_check(actor=staff, signup=record.pk, direction="in", now=at(2026, 3, day, 9))
    services.organiser_check(actor=staff, signup=record.pk, direction="out", now=at(2026, 3, day, hours_out))
    return activity


@pytest.fixture
def zhang(world):
    person = volunteer("张桂兰", username="zhang", id_number="150302196203150027")
    served(world, person, 7, 11, "清洁家园 楼道大扫除")
    served(world, person, 14, 10, "助老 送餐上门")
    served(world, person, 21, 12, "文化宣传 政策宣讲")
    return person


def test_a_volunteer_issues_a_certificate_for_a_period(zhang):
    cert = services.certificate_issue(actor=zhang, period_start="2026-03-10", period_end="2026-03-31", now=ISSUE)
    assert len(cert.code) == CODE_LENGTH and set(cert.code) <= set(CODE_ALPHABET)
    assert cert.total_hours == Decimal("4.0")
    assert [i["title"] for i in cert.items] == ["助老 送餐上门", "文化宣传 政策宣讲"]
    assert cert.holder_name == "张桂兰" and cert.id_number_masked == "150302********0027"
    everything = services.certificate_issue(actor=zhang, now=ISSUE)
    assert everything.total_hours == Decimal("6.0") and everything.code != cert.code
    assert AuditLog.objects.filter(action="volunteering.certificate_issue").count() == 2


def test_a_certificate_needs_hours_and_a_sane_period(world, zhang):
    with pytest.raises(ValidationFailed) as e:
        services.certificate_issue(actor=world.users["resident"], now=ISSUE)
    assert e.value.code == "no_hours"
    with pytest.raises(ValidationFailed) as e:
        services.certificate_issue(actor=zhang, period_start="2026-03-31", period_end="2026-03-01", now=ISSUE)
    assert e.value.code == "bad_period"
    with pytest.raises(ValidationFailed) as e:
        services.certificate_issue(actor=zhang, period_start="31/03/2026", now=ISSUE)
    assert e.value.code == "bad_date"
    assert not HoursCertificate.objects.exists()


def test_the_pdf_downloads_for_its_owner_only(client, world, zhang):
    cert = services.certificate_issue(actor=zhang, now=ISSUE)
    client.force_login(zhang)
    response = client.get(f"/volunteering/certificates/{cert.code}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert cert.code.encode() in response.content
    assert cert.code in response["Content-Disposition"]
    client.force_login(world.users["resident2"])
    assert client.get(f"/volunteering/certificates/{cert.code}.pdf").status_code == 404
    client.force_login(world.users["community_staff"])  # staff of the issuing community may print it
    assert client.get(f"/volunteering/certificates/{cert.code}.pdf").status_code == 200


def test_the_mine_page_issues_and_lists_certificates(client, world, zhang):
    client.force_login(zhang)
    page = client.get("/volunteering/mine/")
    assert page.status_code == 200 and "6.0" in page.content.decode()
    response = client.post("/volunteering/mine/certificates/", {"period_start": "2026-03-31", "period_end": "2026-03-01"})
    assert response.status_code == 400
    assert "must not be after" in response.content.decode() and 'value="2026-03-31"' in response.content.decode()
    response = client.post("/volunteering/mine/certificates/", {"period_start": "", "period_end": ""}, follow=True)
    cert = HoursCertificate.objects.get(user=zhang)
    assert cert.code in response.content.decode()
    assert f"/volunteering/certificates/{cert.code}.pdf" in response.content.decode()


def test_anyone_can_check_a_code_and_sees_only_the_certificate(client, zhang):
    cert = services.certificate_issue(actor=zhang, now=ISSUE)
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # logging out drops every cookie
    page = client.get("/volunteering/verify/", {"code": cert.code.lower()[:5] + "-" + cert.code.lower()[5:]})
    html = page.content.decode()
    assert page.status_code == 200
    assert "genuine and valid" in html and "张*兰" in html and "张桂兰" not in html
    assert "6.0" in html and "助老 送餐上门" in html
    assert "150302" not in html and "0027" not in html

    unknown = client.get("/volunteering/verify/", {"code": "ABCDEFGHJK"})
    assert unknown.status_code == 200 and "No certificate has this code" in unknown.content.decode()


def test_guessing_codes_is_slowed_down(client, zhang):
    cert = services.certificate_issue(actor=zhang, now=ISSUE)
    for i in range(services.LOOKUP_FAILURES_ALLOWED):
        client.get("/volunteering/verify/", {"code": f"WRONG{i:05d}"}, REMOTE_ADDR="10.1.1.1")
    blocked = client.get("/volunteering/verify/", {"code": cert.code}, REMOTE_ADDR="10.1.1.1")
    assert blocked.status_code == 429 and "Too many" in blocked.content.decode()
    assert cert.code not in blocked.content.decode() or "genuine" not in blocked.content.decode()
    elsewhere = client.get("/volunteering/verify/", {"code": cert.code}, REMOTE_ADDR="10.1.1.2")
    assert elsewhere.status_code == 200 and "genuine" in elsewhere.content.decode()
    assert not CertificateLookup.objects.filter(client="10.1.1.1").exists()  # addresses are not stored in clear


def test_staff_of_the_issuing_community_revoke_with_a_reason(client, world, zhang):
    cert = services.certificate_issue(actor=zhang, now=ISSUE)
    with pytest.raises(NotAllowed):
        services.certificate_revoke(actor=zhang, code=cert.code, reason="x")
    with pytest.raises(NotAllowed):
        services.certificate_revoke(actor=world.users["community_staff_other"], code=cert.code, reason="x")
    with pytest.raises(ValidationFailed):
        services.certificate_revoke(actor=world.users["community_staff"], code=cert.code, reason="")
    client.force_login(world.users["community_staff"])
    response = client.post("/volunteering/staff/revoke/", {"code": cert.code, "reason": "时长登记有误"}, follow=True)
    assert response.status_code == 200 and "revoked" in response.content.decode()
    cert.refresh_from_db()
    assert cert.revoked_at is not None and cert.revoke_reason == "时长登记有误"
    assert AuditLog.objects.get(action="volunteering.certificate_revoke").note == "时长登记有误"
    with pytest.raises(Conflict):
        services.certificate_revoke(actor=world.users["community_staff"], code=cert.code, reason="again")
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # logging out drops every cookie
    page = client.get("/volunteering/verify/", {"code": cert.code})
    assert "was revoked on" in page.content.decode() and "genuine and valid" not in page.content.decode()


def test_hours_of_a_cancelled_sign_up_or_nothing_credited_are_not_counted(world):
    person = volunteer("王秀英", username="wang")
    activity = publish(world, starts_at=at(2026, 3, 28, 9), ends_at=at(2026, 3, 28, 12))
    services.signup(actor=person, activity=activity.pk, now=T_PUBLISH)
    with pytest.raises(ValidationFailed):
        services.certificate_issue(actor=person, now=ISSUE)
    assert Signup.objects.filter(user=person, hours__isnull=True).count() == 1  # signed up, never came


def test_a_long_certificate_runs_onto_more_pages(zhang):
    from volunteering.pdf import certificate_pdf

    cert = services.certificate_issue(actor=zhang, now=ISSUE)
    cert.items = cert.items * 30  # 90 lines
    cert.holder_name = "欧阳" + "很长的名字" * 20
    pdf = certificate_pdf(cert, "https://linli.example/volunteering/verify/?code=" + cert.code)
    pages = re.search(rb"/Count (\d+)", pdf)
    assert pdf.startswith(b"%PDF") and int(pages.group(1)) >= 2, pages
