"""Domain errors of the notify service; each is mapped to an HTTP answer once, in the app."""


class NotFound(Exception):
    """A project the key may not see, or a channel not in the project: 404."""


class Invalid(Exception):
    """A value that does not fit (422), with the field it came in."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
