from django.urls import path

from paperwire.metrics import views

urlpatterns = [
    path("metrics", views.metrics, name="pw-metrics"),
]
