"""The public front page and each role's home page (工作台)."""
