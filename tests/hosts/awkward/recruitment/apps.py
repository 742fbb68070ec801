from django.apps import AppConfig


class RecruitmentConfig(AppConfig):
    name = "tests.hosts.awkward.recruitment"
    label = "recruitment"
    default_auto_field = "django.db.models.BigAutoField"
