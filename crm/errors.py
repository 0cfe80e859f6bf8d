"""The one domain error. Services raise it; views show it, commands re-raise as CommandError."""


class DomainError(Exception):
    """A business rule refused the operation; ``message`` is translated and user-facing."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return str(self.message)


def validate_or_raise(instance, *, exclude: list[str] | None = None) -> None:
    """Run the model's own validation (fields, clean(), constraints) for callers without a form
    (commands, admin actions, the API) and answer a refusal as one DomainError naming each field,
    so "This field cannot be blank." says which field."""
    from django.core.exceptions import ValidationError

    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        parts = []
        for field, messages in error.message_dict.items():
            label = ""
            if field != "__all__":
                label = f"{str(instance._meta.get_field(field).verbose_name).capitalize()}: "
            parts.extend(f"{label}{message}" for message in messages)
        raise DomainError(" ".join(parts)) from error
