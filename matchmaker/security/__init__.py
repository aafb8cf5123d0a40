"""Account security: the password policy and the timing-safe password check."""
