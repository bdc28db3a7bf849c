"""The test shop's orders in the admin, so a conversion's page can link to its order."""

from django.contrib import admin

from tests.testapp.models import Order

admin.site.register(Order)
