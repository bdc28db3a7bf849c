"""The tenants of the multi-tenant test shop: one PostgreSQL schema each."""

from __future__ import annotations

from django.db import models
from django_tenants.models import DomainMixin, TenantMixin


class Shop(TenantMixin):
    name = models.CharField(max_length=64)
    auto_create_schema = True  # saving a Shop creates its schema and migrates TENANT_APPS


class Domain(DomainMixin):
    pass
