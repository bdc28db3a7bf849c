"""A django-tenants tenant model for tests/test_tenants.py (tests/settings_tenants.py)."""
