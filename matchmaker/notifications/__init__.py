"""Notifications: the journal consumer that turns changes into notices, mail (immediate and
digests), the notification pages."""
