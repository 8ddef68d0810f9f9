from paperwire.api.tests.conftest import hub  # noqa: F401  (huggingface_hub's client)
