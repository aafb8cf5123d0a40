"""Bureau staff's review of postings and verification of organisations."""
