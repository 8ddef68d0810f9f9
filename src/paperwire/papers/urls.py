from django.urls import path

from paperwire.papers import views

urlpatterns = [
    path("", views.latest_day, name="pw-latest"),
]
