import json

from django.contrib import admin
from django.utils.html import format_html

from convert_standin.models import ReceivedRequest


@admin.register(ReceivedRequest)
class ReceivedRequestAdmin(admin.ModelAdmin):
    list_display = ("received_at", "path", "visitors", "events", "user_agent")
    fields = ("received_at", "path", "user_agent", "visitors", "events", "payload")
    readonly_fields = fields

    @admin.display(description="body")
    def payload(self, obj: ReceivedRequest) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.body, indent=2))

    def has_add_permission(self, request) -> bool:
        return False
