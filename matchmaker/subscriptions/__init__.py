"""订阅推送: saved searches and proposal thresholds, and the explained digests they produce."""
