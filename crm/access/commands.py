"""Commands that act as a person: ``--as EMAIL`` makes a command reach only the records that
member's access levels reach, and name them as the actor, exactly as the pages would.

Without ``--as`` a command acts for the company as a whole (an operator's job, like the admin's
"convert" action run by the owner) and says so in its output.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from crm.models import Company, Membership

__all__ = ["acting_for", "add_acting_user_argument", "acting_user"]


def add_acting_user_argument(parser, *, action: str) -> None:
    parser.add_argument(
        "--as",
        dest="acting_user",
        metavar="EMAIL",
        help=(
            f"Act as this member of the company: only the records their access level lets them "
            f"{action} are touched, and the timeline names them. Without it the command acts "
            "for the company as a whole."
        ),
    )


def acting_user(company: Company, email: str | None):
    """The member of ``company`` with this e-mail (or None without one); CommandError for an
    address that is no member's, so nobody acts as a stranger or as another company's user."""
    if not email:
        return None
    users = get_user_model().objects.filter(email__iexact=email.strip(), is_active=True)
    membership = (
        Membership.objects.filter(company=company, user__in=users).select_related("user").first()
    )
    if membership is None:
        raise CommandError(
            _("“%(email)s” is not an active member of %(company)s.")
            % {"email": email, "company": company.name}
        )
    return membership.user


def acting_for(company: Company | None, actor) -> str:
    """The line a command prints first: whose access levels it follows, so an operator reading
    the output never mistakes a company-wide run for one person's (no ``company``: a run over
    every company)."""
    if actor is None and company is None:
        return _(
            "Acting for every company as a whole: every record, whatever anyone's access level."
        )
    if actor is None:
        return _(
            "Acting for %(company)s as a whole (no --as): every record, whatever anyone's "
            "access level."
        ) % {"company": company.name}
    return _("Acting as %(email)s: only the records their access levels reach.") % {
        "email": actor.email
    }
