"""Who did something: a staff user, a customer user on the portal (``is_customer_user``), or
nobody (a command, a job). Services take any of them as ``actor``; the columns that name a
staff user (``created_by``, ``author``…) take only a staff user."""

__all__ = ["portal_actor_name", "staff_user"]


def staff_user(actor):
    """``actor`` if it is a signed-in staff user, else None (for a staff-user column)."""
    if actor is None or getattr(actor, "is_customer_user", False):
        return None
    return actor if getattr(actor, "is_authenticated", False) else None


def portal_actor_name(actor) -> str | None:
    """The customer user's name when the portal's user acted, else None."""
    if getattr(actor, "is_customer_user", False):
        return str(actor)
    return None
