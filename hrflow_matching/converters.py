"""The URL converter of CRM references, shared by the recruiter pages and the pull lookups."""

from django.urls import register_converter

#: Name of :class:`ReferenceConverter` in routes, e.g. ``f"jobs/<{REFERENCE}:reference>/"``.
REFERENCE = "hrflow_reference"


class ReferenceConverter:
    """Any non-empty CRM reference: slashes and line breaks included.

    A CRM may number its rows ``ACME/2026/1``. Django's ``str`` converter stops at a slash and
    its ``path`` converter (``.+``) at a line break; a route that leaves a reference out answers
    Django's HTML 404 instead of the view's own (JSON) 404. A slash may be sent as is or as
    ``%2F``: the server decodes both alike before routing.
    """

    regex = r"[\s\S]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ReferenceConverter, REFERENCE)
