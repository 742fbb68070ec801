from django.contrib import admin

from hrflow_matching.admin import MatchingAdminMixin
from hrflow_matching.tenancy import ALL_TENANTS

from .models import Candidate, Education, JobOffer, Organisation, Recruiter, Skill, WorkExperience
from .tenancy import recruiter_organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Recruiter)
class RecruiterAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation"]
    list_select_related = ["user", "organisation"]
    autocomplete_fields = ["organisation"]


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    search_fields = ["name"]


def organisation_of(request):
    """The organisation slug whose rows the user sees, ALL_TENANTS for every row. Staff without
    a recruiter row get ``None``: only rows of no organisation, never every client's (fail
    closed, as the app's pages and tenant-less API keys)."""
    return ALL_TENANTS if request.user.is_superuser else recruiter_organisation(request)


class OwnOrganisationFilter(admin.RelatedFieldListFilter):
    """Lists the organisations the user may see, not every client company of the CRM."""

    def field_choices(self, field, request, model_admin):
        slug = organisation_of(request)
        queryset = Organisation.objects.order_by("name")
        if slug is not ALL_TENANTS:
            queryset = queryset.filter(slug=slug) if slug else queryset.none()
        return [(org.pk, str(org)) for org in queryset]


class OrganisationScopedAdmin(admin.ModelAdmin):
    """A recruiter sees and edits only their organisation's rows; superusers see every row.

    The same rule as the app's matching pages (``example_crm.tenancy``), applied to the CRM's
    own admin so that the demo never shows one client company's candidates to another's.
    """

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        slug = organisation_of(request)
        if slug is ALL_TENANTS:
            return queryset
        if slug is None:  # not a recruiter (yet): the rows of no organisation only
            return queryset.filter(organisation__isnull=True)
        return queryset.filter(organisation__slug=slug)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        slug = organisation_of(request)
        if db_field.name == "organisation" and slug is not ALL_TENANTS:
            kwargs["queryset"] = Organisation.objects.filter(slug=slug)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_list_filter(self, request):
        """The organisation filter offers only the recruiter's own organisation."""
        return [
            ("organisation", OwnOrganisationFilter) if name == "organisation" else name
            for name in super().get_list_filter(request)
        ]


class WorkExperienceInline(admin.TabularInline):
    model = WorkExperience
    extra = 0


class EducationInline(admin.TabularInline):
    model = Education
    extra = 0


@admin.register(Candidate)
class CandidateAdmin(MatchingAdminMixin, OrganisationScopedAdmin):
    list_display = ["__str__", "current_title", "city", "organisation", "archived", "updated_at"]
    list_filter = ["archived", "organisation", "open_to_remote"]
    list_select_related = ["organisation"]
    search_fields = ["first_name", "last_name", "email", "current_title", "reference"]
    autocomplete_fields = ["skills"]
    readonly_fields = ["reference", "created_at", "updated_at", "archived_at"]
    inlines = [WorkExperienceInline, EducationInline]
    show_full_result_count = False


@admin.register(JobOffer)
class JobOfferAdmin(MatchingAdminMixin, OrganisationScopedAdmin):
    list_display = ["title", "company", "city", "contract_type", "organisation", "archived"]
    list_filter = ["archived", "contract_type", "remote", "organisation"]
    list_select_related = ["organisation"]
    search_fields = ["title", "company", "reference"]
    autocomplete_fields = ["skills"]
    readonly_fields = ["reference", "created_at", "updated_at", "archived_at"]
    show_full_result_count = False
