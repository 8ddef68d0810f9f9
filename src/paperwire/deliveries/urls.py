from django.urls import path

from paperwire.deliveries import views
from paperwire.deliveries.mail import views as mail_views

urlpatterns = [
    path("deliveries", views.deliveries, name="pw-deliveries"),
    path("deliveries/<int:pk>/delete", views.delete, name="pw-destination-delete"),
    path("deliveries/<int:pk>/pause", views.pause, name="pw-destination-pause"),
    path("deliveries/<int:pk>/test", views.test, name="pw-destination-test"),
    path("deliveries/stop/<str:token>", mail_views.stop, name="pw-destination-stop"),
]
