from django.urls import path

from paperwire.digests import views

urlpatterns = [
    path("subscribe", views.subscribe, name="pw-digest-subscribe"),
    path("subscribe/sent", views.sent, name="pw-digest-sent"),
    path("confirm/<str:token>", views.confirm, name="pw-digest-confirm"),
    path("preferences/<str:token>", views.preferences, name="pw-digest-preferences"),
    path("unsubscribe/<str:token>", views.unsubscribe, name="pw-digest-unsubscribe"),
    path("alerts", views.alert, name="pw-digest-alert"),
    path("preview/<str:subscriber>", views.preview, name="pw-digest-preview"),
]
