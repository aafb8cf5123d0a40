"""Importing postings from the Excel / CSV lists bureau staff collect on company visits (走访)."""
