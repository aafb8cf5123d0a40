"""Registration, login/logout, password and organisation profile."""
