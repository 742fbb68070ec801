"""The OpenAPI schema and its docs page under ``/hrflow/api/``, shared by PULL and MATCH."""

from django.urls import URLPattern, path

from . import docs

urlpatterns: list[URLPattern] = [
    path("schema/", docs.SchemaView.as_view(), name="api-schema"),
    path("docs/", docs.DocsView.as_view(url_name="hrflow_matching:api-schema"), name="api-docs"),
]
