"""Matchmaking visits and events (对接活动): for now the 1:1 meeting scheduler (``scheduling``)."""
