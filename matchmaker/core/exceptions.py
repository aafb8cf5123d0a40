"""Domain exceptions raised by models and services, mapped to HTTP responses once in errors.py."""


class DomainError(Exception):
    """A rule of the domain was broken; ``message`` is shown to the user as it is (Chinese)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidTransition(DomainError):
    """A state change that is not allowed from the object's current state."""


class Duplicate(DomainError):
    """A twin of what is being saved was committed a moment earlier (a double click, a colleague at
    the same moment): the unique constraint refused this one (409 / flash)."""


class PermissionDenied(DomainError):
    """The actor may not do this to this object (403)."""

    def __init__(self, message: str = "您没有权限执行此操作。") -> None:
        super().__init__(message)


class FieldError(DomainError):
    """Input that fails a rule only the database can check (e.g. uniqueness), tied to a field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
