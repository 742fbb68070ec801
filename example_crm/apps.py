from django.apps import AppConfig


class ExampleCrmConfig(AppConfig):
    name = "example_crm"
    verbose_name = "Example CRM"
    default_auto_field = "django.db.models.BigAutoField"
