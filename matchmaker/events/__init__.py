"""Matchmaking events (对接活动): models, operations, invitations by matching (matching.py), the
1:1 meeting scheduler (scheduling.py), outcomes into the pipeline (outcomes.py), pages and API."""
