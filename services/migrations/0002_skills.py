"""Seed the skills a community's providers usually offer (editable in the admin)."""

from django.db import migrations

SKILLS = [
    ("plumbing_electrical", "水电维修", "Plumbing and electrical repair"),
    ("appliance_repair", "家电维修", "Appliance repair"),
    ("elderly_care", "助老陪护", "Elderly care and company"),
    ("shopping_errands", "代购代办", "Shopping and errands"),
    ("haircut", "理发", "Haircut"),
    ("counselling", "心理疏导", "Counselling"),
    ("legal_advice", "法律咨询", "Legal advice"),
    ("housekeeping", "家政保洁", "Housekeeping and cleaning"),
    ("homework_tutoring", "辅导作业", "Homework tutoring"),
    ("health_care", "医疗保健", "Health care"),
    ("paperwork", "证件办理", "Paperwork and certificates"),
    ("digital_help", "智能手机教学", "Smartphone help"),
    ("moving_help", "搬运帮扶", "Carrying and moving"),
    ("tailoring", "缝补修鞋", "Mending and shoe repair"),
]


def seed(apps, schema_editor):
    Skill = apps.get_model("services", "Skill")
    for sort, (code, name, name_en) in enumerate(SKILLS, start=1):
        Skill.objects.update_or_create(code=code, defaults={"name": name, "name_en": name_en, "sort": sort * 10})


def unseed(apps, schema_editor):
    apps.get_model("services", "Skill").objects.filter(code__in=[c for c, _n, _e in SKILLS]).delete()


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
