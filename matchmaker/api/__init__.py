"""JSON API v1 for the provincial and city platforms and for scripting (token authenticated)."""
