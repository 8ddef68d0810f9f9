from django.urls import path, re_path

from paperwire.community.urls import ARXIV_ID
from paperwire.reader import views

urlpatterns = [
    path("for-you", views.for_you_page, name="pw-for-you"),
    path("following", views.following, name="pw-following"),
    path("following/<int:pk>/delete", views.unfollow, name="pw-unfollow"),
    path("following/seeds", views.seeds, name="pw-seeds"),
    path("following/reset", views.reset, name="pw-for-you-reset"),
    re_path(rf"^papers/{ARXIV_ID}/not-interested$", views.not_interested,
            name="pw-not-interested"),
    path("reader/link/<str:token>", views.signal_link, name="pw-reader-link"),
]
