"""What the local stand-in for Convert's tracking API received (demo mode only)."""

from django.db import models


class ReceivedRequest(models.Model):
    received_at = models.DateTimeField(auto_now_add=True)
    path = models.CharField(max_length=255)
    user_agent = models.CharField(max_length=255)
    body = models.JSONField()
    visitors = models.PositiveIntegerField()
    events = models.PositiveIntegerField()

    class Meta:
        ordering = ["-received_at"]
        verbose_name = "received tracking request"

    def __str__(self) -> str:
        return f"{self.path} ({self.events} events)"
