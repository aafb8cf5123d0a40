"""一企一册 (one profile per enterprise) and the cultivation pool (培育库): views and forms; the
rules and queries are in profiles/operations.py."""
