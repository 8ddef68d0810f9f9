from django.urls import path

from paperwire.agents.http import mcp

urlpatterns = [
    path("mcp", mcp, name="pw-mcp"),
]
