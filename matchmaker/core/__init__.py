"""Plumbing with no capability knowledge: the extensions, the clock, the database helpers, the
journal and its consumers, the state-machine base, web and form helpers, mail, spreadsheets,
uploads, jobs. Capabilities import from here; core imports no capability (.importlinter)."""
