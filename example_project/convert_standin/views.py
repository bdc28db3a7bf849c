"""A local stand-in for POST https://metrics.convertexperiments.com/v1/track/...

It answers like Convert ({code, message}; 400 with {code, message, fields} for a body that
is not a tracking request) and stores what it received, so the demo admin can show the
exact payload django-convert sent.
"""

import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from convert_standin.models import ReceivedRequest


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
