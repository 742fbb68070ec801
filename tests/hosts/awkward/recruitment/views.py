"""The HRMS's own views: a pipeline drag and drop written with ``QuerySet.update()``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from .models import Candidate


@require_POST
def move_stage(request: HttpRequest, pk: int, stage: int) -> HttpResponse:
    Candidate.objects.filter(pk=pk).update(stage_id=stage)  # no save(), no signal
    return HttpResponse(status=204)
