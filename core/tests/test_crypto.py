"""Personal data at rest (PIPL): phone and ID numbers are ciphertext in the
database, found by a keyed blind index, and masked for lists and exports."""

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from core.crypto import (DecryptionError, blind_index, decrypt, encrypt, mask_id_number, mask_name, mask_numbers_in_text,
                         mask_phone)
from people.models import Person
from testing.factories import PersonFactory

PHONE = "13812345678"
ID_NUMBER = "11010119900307123X"


def raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 - fixed identifiers
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_phone_and_id_number_are_encrypted_in_the_database():
    person = PersonFactory(phone=PHONE, id_number=ID_NUMBER)
    stored_phone, stored_id = raw("people_person", "phone", person.pk), raw("people_person", "id_number", person.pk)
    assert PHONE not in stored_phone and "5678" not in stored_phone
    assert ID_NUMBER not in stored_id and "1990" not in stored_id
    assert Person.objects.get(pk=person.pk).phone == PHONE
    assert Person.objects.get(pk=person.pk).id_number == ID_NUMBER


@pytest.mark.django_db
def test_the_reporters_phone_on_an_appeal_is_encrypted_too():
    from appeals import services
    from testing.world import build_world

    world = build_world()
    lng, lat = world.point_in(0)
    appeal = services.appeal_submit(actor=world.users["resident"], content="楼下的井盖松动了，踩上去会响。",
                                    category="streetlight", lng=lng, lat=lat, reporter_phone="139 1234 5678")
    stored = raw("appeals_appeal", "reporter_phone", appeal.pk)
    assert "13912345678" not in stored and "5678" not in stored
    appeal.refresh_from_db()
    assert appeal.reporter_phone == "13912345678"
    assert appeal.reporter_phone_masked == "139****5678"


def test_the_same_value_encrypts_differently_each_time():
    assert encrypt(PHONE) != encrypt(PHONE)
    assert decrypt(encrypt(PHONE)) == PHONE


def test_ciphertext_under_another_key_fails_loudly_so_nothing_is_overwritten(settings):
    token = encrypt(PHONE)
    settings.FIELD_ENCRYPTION_KEY = "a-different-key"
    with pytest.raises(DecryptionError):
        decrypt(token)
    with pytest.raises(DecryptionError):
        decrypt("not a token")


def test_keys_rotate_newest_first_and_old_ciphertext_still_opens(settings):
    settings.FIELD_ENCRYPTION_KEY = "old-key"
    old_token = encrypt(PHONE)
    settings.FIELD_ENCRYPTION_KEY = "new-key,old-key"
    assert decrypt(old_token) == PHONE
    new_token = encrypt(PHONE)
    settings.FIELD_ENCRYPTION_KEY = "new-key"
    assert decrypt(new_token) == PHONE


@pytest.mark.django_db
def test_the_blind_index_finds_a_person_by_exact_phone_or_id():
    person = PersonFactory(phone=PHONE, id_number=ID_NUMBER)
    PersonFactory(phone="13900000000")
    assert list(Person.objects.filter(phone_index=blind_index("138 1234 5678"))) == [person]
    assert list(Person.objects.filter(id_number_index=blind_index(ID_NUMBER.lower()))) == [person]
    assert not Person.objects.filter(phone_index=blind_index("13812345679")).exists()
    assert raw("people_person", "phone_index", person.pk) == blind_index(PHONE) != PHONE


def test_the_blind_index_is_keyed(settings):
    before = blind_index(PHONE)
    settings.FIELD_ENCRYPTION_KEY = "a-different-key"
    assert blind_index(PHONE) != before
    assert blind_index("") == blind_index("   ") == ""


@pytest.mark.parametrize("phone,masked", [
    ("13812345678", "138****5678"),
    ("010-12345678", "010*****5678"),
    ("04712345678", "047****5678"),
    ("62345678", "****5678"),       # a local number: never show more than it hides
    ("2345678", "*******"),
    ("110", "***"),
    ("", ""),
    (None, ""),
])
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@given(st.text(alphabet="0123456789-", min_size=1, max_size=20))
def test_a_masked_phone_always_hides_at_least_four_characters(phone):
    masked = mask_phone(phone)
    assert len(masked) == len(phone)
    assert masked.count("*") >= min(4, len(phone))
    assert all(m == "*" or m == p for m, p in zip(masked, phone))


@pytest.mark.parametrize("number,masked", [
    ("11010119900307123X", "110101********123X"),
    ("110101900307123", "110101*****7123"),   # old 15-digit ID
    ("E12345678", "E1*****78"),               # passport
    ("H123456789", "H1******89"),             # 港澳通行证
    ("12345678", "********"),
    ("", ""),
])
def test_mask_id_number(number, masked):
    assert mask_id_number(number) == masked


@given(st.text(alphabet="0123456789XE", min_size=1, max_size=20))
def test_a_masked_id_number_always_hides_at_least_five_characters(number):
    masked = mask_id_number(number)
    assert len(masked) == len(number)
    assert masked.count("*") >= (len(number) if len(number) <= 8 else 5)
    assert all(m == "*" or m == p for m, p in zip(masked, number))


def test_mask_name():
    assert (mask_name("张三"), mask_name("欧阳娜娜"), mask_name(""), mask_name(None)) == ("张*", "欧***", "", "")


def test_numbers_quoted_in_free_text_are_masked_and_short_ones_kept():
    text = "“11010519491231002X” 与 “13912345678901” 有误，见 2024 年 3 号楼 101 室，电话 0473-1234567"
    masked = mask_numbers_in_text(text)
    assert "110105********002X" in masked and "139*******8901" in masked
    assert "2024 年 3 号楼 101 室" in masked and "0473-*******" in masked
    assert mask_numbers_in_text("") == "" and mask_numbers_in_text(None) == ""
