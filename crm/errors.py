"""The one domain error. Services raise it; views show it, commands re-raise as CommandError."""


class DomainError(Exception):
    """A business rule refused the operation; ``message`` is translated and user-facing."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return str(self.message)
