from django.urls import path

from paperwire.deliveries import views

urlpatterns = [
    path("deliveries", views.deliveries, name="pw-deliveries"),
    path("deliveries/<int:pk>/delete", views.delete, name="pw-destination-delete"),
    path("deliveries/<int:pk>/pause", views.pause, name="pw-destination-pause"),
    path("deliveries/<int:pk>/test", views.test, name="pw-destination-test"),
]
