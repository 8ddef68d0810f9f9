"""Pure helpers: no module here imports a paperwire app."""
