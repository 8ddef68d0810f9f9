from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "paperwire.agents"
    label = "agents"
    verbose_name = "MCP server for agents"
