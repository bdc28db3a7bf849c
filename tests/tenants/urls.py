from django.urls import include, path

urlpatterns = [path("convert/", include("django_convert.urls"))]
