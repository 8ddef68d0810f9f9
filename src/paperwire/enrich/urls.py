from django.urls import path

from paperwire.enrich import views

urlpatterns = [
    path("trending/code", views.trending_code, name="pw-trending-code"),
    path("thumbnails/<str:name>", views.thumbnail, name="pw-thumbnail"),
]
