"""A local stand-in for POST https://metrics.convertexperiments.com/v1/track/... and for
GET https://cdn-4.convertexperiments.com/api/v1/config/... (the project's configuration).

It answers like Convert ({code, message}; 400 with {code, message, fields} for a body that
is not a tracking request) and stores what it received, so the demo admin can show the
exact payload django-convert sent.
"""

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from convert_standin.models import ReceivedRequest
from django_convert.testing.project_config import ConfigServing


@csrf_exempt
@require_POST
def track(request: HttpRequest, target: str) -> JsonResponse:
    try:
        body = json.loads(request.body)
        visitors = body["visitors"]
        events = sum(len(visitor["events"]) for visitor in visitors)
    except (ValueError, KeyError, TypeError):
        return JsonResponse(
            {"code": 400, "message": "Invalid tracking request", "fields": ["visitors"]},
            status=400,
        )
    ReceivedRequest.objects.create(
        path=request.path,
        user_agent=request.headers.get("User-Agent", ""),
        body=body,
        visitors=len(visitors),
        events=events,
    )
    return JsonResponse({"code": 200, "message": "OK"})


# The same configuration the package's own stand-in serves (built from Convert's published
# types): experience 100127238 "Checkout button colour" (A: blue / B: green) and goal
# 100037225 "Purchase", so the demo admin shows names.
_config = ConfigServing()


@require_GET
def config(request: HttpRequest, target: str) -> HttpResponse:
    headers = {name.lower(): value for name, value in request.headers.items()}
    query = request.META.get("QUERY_STRING", "")  # ?environment=, with ENVIRONMENT set
    status, body = _config.answer(f"/api/v1/config/{target}{'?' if query else ''}{query}", headers)
    return HttpResponse(body, status=status, content_type="application/json")
