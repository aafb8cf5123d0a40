"""Shared plumbing that knows no capability (the API schema machinery)."""
