"""Notifications: the journal consumer that runs each capability's notification rules (its
notices.py, registered in rules.py), mail (immediate and digests), the notification pages."""
