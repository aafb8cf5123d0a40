"""Accounts: users, organisations and their verification data, registration, login and sessions,
passwords, API tokens (models.py, operations.py, logins.py, sessions.py, tokens.py, views.py)."""
