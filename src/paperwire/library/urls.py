from django.urls import path, re_path

from paperwire.library import views

# As the reading site writes an arXiv id in a URL: new style, or old style with a slash.
ARXIV_ID = r"(?P<arxiv_id>[A-Za-z][A-Za-z.\-]*/\d{7}(?:v\d+)?|\d{4}\.\d{4,5}(?:v\d+)?)"

urlpatterns = [
    path("library/", views.library, name="pw-library"),
    path("collections/<int:pk>-<str:slug>", views.collection, name="pw-collection"),
    path("collections/<int:pk>/edit", views.edit, name="pw-collection-edit"),
    path("collections/<int:pk>/delete", views.delete, name="pw-collection-delete"),
    path("collections/<int:pk>/members", views.members, name="pw-collection-members"),
    path("collections/<int:pk>/remove", views.remove_paper, name="pw-collection-remove"),
    path("collections/<int:pk>/export", views.export, name="pw-collection-export"),
    path("collections/<int:pk>/import", views.import_view, name="pw-collection-import"),
    re_path(rf"^papers/{ARXIV_ID}/save$", views.save, name="pw-save"),
    re_path(rf"^papers/{ARXIV_ID}/collections$", views.file_paper,
            name="pw-paper-collections"),
]
