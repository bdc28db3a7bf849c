from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("shop.urls")),
    path("admin/", admin.site.urls),
    path("convert/", include("django_convert.urls")),
]

if settings.DEMO_MODE:
    from convert_standin.views import config, track

    urlpatterns.append(path("demo-convert/v1/track/<path:target>", track, name="demo_track"))
    urlpatterns.append(path("demo-convert/api/v1/config/<path:target>", config, name="demo_config"))
