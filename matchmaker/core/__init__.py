"""Shared plumbing with no knowledge of any capability (the job runner, ...)."""
