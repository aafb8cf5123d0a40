"""Write operations: plain typed functions that take the actor, check the policy, journal the change,
flush, and never commit.

The request (or CLI command) that calls them owns the transaction, so a change and its journal
entry commit or roll back together (models/journal.py). Who may do what is decided in
matchmaker/policy.py, never here.
"""
