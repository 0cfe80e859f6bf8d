"""Customer users and their roles: who may sign in to the portal for a customer, and with what
rights. The portal's pages (``portal``) and the staff's customer page both call these.

Passwords are hashed with Django's hashers; the links in invitation and reset e-mails carry a
signed token that names the user, expires, and stops working once the password it was made
for has changed (so a link works once).
"""

import functools
from collections.abc import Iterable

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext
from django_scopes import scopes_disabled

from addressbook.models import Contact, ContactLink
from crm import rls
from crm.access import Level, portal_record_types
from crm.errors import DomainError
from crm.event_text import event_message
from crm.i18n import company_locale
from crm.models import Company
from crm.rows import lock_then_load
from crm.timeline import activity_log_event
from customers.hierarchy import is_within
from customers.models import Customer, CustomerRole, CustomerRolePermission, CustomerUser

__all__ = [
    "INVITATION_DAYS",
    "RESET_HOURS",
    "customer_role_delete",
    "customer_role_save",
    "customer_roles_levels_save",
    "customer_roles_ensure",
    "customer_user_authenticate",
    "customer_user_deactivate",
    "customer_user_from_token",
    "customer_user_invitation_resend",
    "customer_user_invite",
    "customer_user_reactivate",
    "customer_user_reset_send",
    "customer_user_set_password",
    "customer_user_set_roles",
    "customer_user_token",
    "contact_customers",
    "role_levels",
    "roles_above",
    "roles_for",
    "session_hash",
]

INVITATION_DAYS = 7
RESET_HOURS = 24
_TOKEN_SALT = "customers.portal-user"
_PREDEFINED = [
    (CustomerRole.Key.ADMINISTRATOR, _("Manages the customer's users and roles; sees everything.")),
    (CustomerRole.Key.BUYER, _("Accepts quotations, pays orders and redeems gift cards.")),
    (CustomerRole.Key.GUEST, _("Sees quotations, orders and the balance; changes nothing.")),
]


def customer_roles_ensure(company: Company) -> list[CustomerRole]:
    """The company's predefined roles (Administrator, Buyer, Guest) with their default levels,
    created where missing; a company's changes to existing ones are kept."""
    roles = []
    for key, description in _PREDEFINED:
        role = CustomerRole.objects.filter(company=company, customer=None, key=key).first()
        if role is None:
            role = CustomerRole.objects.create(
                company=company,
                key=key,
                name=str(CustomerRole.Key(key).label),
                description=str(description),
            )
            CustomerRolePermission.objects.bulk_create(
                CustomerRolePermission(
                    company=company,
                    role=role,
                    record_type=record_type.label,
                    action=action,
                    level=level,
                )
                for record_type in portal_record_types()
                for action, level in record_type.defaults.get(key, {}).items()
                if action in record_type.actions
            )
        roles.append(role)
    return roles


def roles_for(customer: Customer):
    """The roles a user of ``customer`` may hold: the company's and the customer's own."""
    from django.db.models import Q

    return CustomerRole.objects.filter(
        Q(customer__isnull=True) | Q(customer=customer), company_id=customer.company_id
    ).order_by("customer_id", "name")


def role_levels(role: CustomerRole) -> dict[tuple[str, str], str]:
    """The role's level for every (portal record type, action); None where it has no row."""
    stored = {
        (row.record_type, row.action): row.level
        for row in CustomerRolePermission.objects.filter(company_id=role.company_id, role=role)
    }
    return {
        (record_type.label, action): stored.get((record_type.label, action), Level.NONE)
        for record_type in portal_record_types()
        for action in record_type.actions
    }


@transaction.atomic
def customer_role_save(
    *,
    company: Company,
    name: str,
    levels: dict[tuple[str, str], str],
    actor,
    role: CustomerRole | None = None,
    customer: Customer | None = None,
    description: str = "",
) -> CustomerRole:
    """Create or change a role and its levels, keyed (record type, action). A new role with
    ``customer`` belongs to that customer alone; a role's customer never changes. Levels not
    given stay as they were (a new role: None)."""
    known = {(rt.label, action) for rt in portal_record_types() for action in rt.actions}
    for key, level in levels.items():
        if key not in known:
            raise DomainError(_("Unknown portal permission %(key)s.") % {"key": " ".join(key)})
        if level not in Level.values:
            raise DomainError(_("Unknown access level %(level)s.") % {"level": level})
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the role a name."))
    if role is None:
        role = CustomerRole(company=company, customer=customer)
    else:
        role = lock_then_load(CustomerRole, role)
    if getattr(actor, "is_customer_user", False):
        _check_portal_admin(actor, role, levels)
    role.name, role.description = name, description.strip()
    try:
        role.full_clean(exclude=["company", "customer"])
        with transaction.atomic():
            role.save()
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from error
    except IntegrityError as error:
        raise DomainError(_("Another role already has this name.")) from error
    existing = {
        (row.record_type, row.action): row
        for row in CustomerRolePermission.objects.filter(company=company, role=role)
    }
    for (record_type, action), level in levels.items():
        row = existing.get((record_type, action))
        if row is None:
            CustomerRolePermission.objects.create(
                company=company, role=role, record_type=record_type, action=action, level=level
            )
        elif row.level != level:
            row.level = level
            row.save(update_fields=["level"])
    owner = role.customer
    if owner is not None:
        _log(
            owner,
            event_message(gettext_noop("The portal role %(role)s was saved."), role=role),
            actor=actor,
        )
    return role


@transaction.atomic
def customer_roles_levels_save(
    *, company: Company, levels_by_role: dict[int, dict[tuple[str, str], str]], actor
) -> None:
    """The company's roles' levels from the roles settings page, all or none: ``levels_by_role``
    maps a company role's id to its levels. A customer's own role is not changed here."""
    roles = CustomerRole.objects.filter(
        company=company, customer__isnull=True, pk__in=list(levels_by_role)
    ).in_bulk()
    if len(roles) != len(levels_by_role):
        raise DomainError(_("Choose roles of the company."))
    for role_id, levels in levels_by_role.items():
        role = roles[role_id]
        customer_role_save(
            company=company,
            name=role.name,
            description=role.description,
            levels=levels,
            role=role,
            actor=actor,
        )


@transaction.atomic
def customer_role_delete(*, role: CustomerRole, actor) -> None:
    """Delete a role nobody holds; the predefined ones stay (their levels can change)."""
    role = lock_then_load(CustomerRole, role, "customer")
    if getattr(actor, "is_customer_user", False):
        _check_portal_admin(actor, role, {})
    if role.key:
        raise DomainError(_("%(role)s is predefined: change its levels instead.") % {"role": role})
    holders = role.users.count()
    if holders:
        raise DomainError(
            ngettext(
                "%(count)d user holds %(role)s: give them another role first.",
                "%(count)d users hold %(role)s: give them another role first.",
                holders,
            )
            % {"count": holders, "role": role}
        )
    if role.customer is not None:
        _log(
            role.customer,
            event_message(gettext_noop("The portal role %(role)s was deleted."), role=role),
            actor=actor,
        )
    role.delete()


def _check_portal_admin(
    actor: CustomerUser, role: CustomerRole, levels: dict[tuple[str, str], str]
) -> None:
    """A customer's portal administrator manages their own customer's roles only, and gives a
    role no more than they have themselves, permission by permission (Oro's rule: nobody hands
    out rights they do not hold)."""
    if role.customer_id is None or role.customer_id != actor.customer_id:
        raise DomainError(_("You can only change the roles of your own customer."))
    labels = {rt.label: rt for rt in portal_record_types()}
    for (record_type, action), level in levels.items():
        own = actor.portal_level(record_type, action)
        if level != own and Level.widest(level, own) == level:
            raise DomainError(
                _(
                    "You cannot give “%(permission)s” on %(records)s at %(level)s: your own "
                    "level there is %(own)s."
                )
                % {
                    "permission": labels[record_type].action_label(action),
                    "records": labels[record_type].verbose_name_plural,
                    "level": Level.portal_label(level),
                    "own": Level.portal_label(own),
                },
                code="above_own_level",
            )


def roles_above(actor, roles: Iterable[CustomerRole]) -> set[int]:
    """The ids of ``roles`` that give more somewhere than the portal user ``actor`` has (one
    query): a portal administrator may not hand them out. Staff (and nobody) are not bounded."""
    roles = list(roles)
    if not getattr(actor, "is_customer_user", False) or not roles:
        return set()
    rows = CustomerRolePermission.objects.filter(
        company_id=actor.company_id, role__in=[role.pk for role in roles]
    ).values_list("role_id", "record_type", "action", "level")
    above = set()
    for role_id, record_type, action, level in rows:
        own = actor.portal_level(record_type, action)
        if level != own and Level.widest(level, own) == level:
            above.add(role_id)
    return above


def _check_grant(actor, roles: Iterable[CustomerRole], *, keeping=()) -> None:
    """Refuse a role the portal administrator ``actor`` could not make themselves (a role the
    user already holds may stay)."""
    kept = {role.pk for role in keeping}
    above = roles_above(actor, [role for role in roles if role.pk not in kept])
    if above:
        names = ", ".join(str(role) for role in roles if role.pk in above)
        raise DomainError(
            _("%(roles)s gives more than you have yourself: you cannot give it.")
            % {"roles": names},
            code="above_own_level",
        )


def _check_roles(customer: Customer, roles: Iterable[CustomerRole]) -> list[CustomerRole]:
    roles = list(roles)
    allowed = set(roles_for(customer).values_list("pk", flat=True))
    if any(role.pk not in allowed for role in roles):
        raise DomainError(_("Choose roles of the company or of this customer."))
    if not roles:
        raise DomainError(_("Give the user at least one role."))
    return roles


def _check_reach(customer: Customer, *, within: Customer | None) -> None:
    """A portal administrator manages users of their customer and its children only."""
    if within is None or within.pk == customer.pk:
        return
    if not is_within(customer.company_id, candidate_id=customer.pk, root_id=within.pk):
        raise DomainError(_("You can only add users to your customer and its children."))


def _log(customer: Customer, message: dict, *, actor) -> None:
    activity_log_event(owner=customer, kind="portal", message=message, actor=actor)


@transaction.atomic
def customer_user_invite(
    *,
    customer: Customer,
    email: str,
    last_name: str,
    roles: Iterable[CustomerRole],
    actor,
    first_name: str = "",
    contact: Contact | None = None,
    within: Customer | None = None,
    base_url: str = "",
) -> CustomerUser:
    """Make ``email`` a user of ``customer`` with ``roles`` and e-mail them a link to choose a
    password. ``contact`` links the address-book person (and fills the name and e-mail);
    ``within`` is the inviting portal administrator's customer, whose subtree bounds the choice.
    ``base_url`` ("https://crm.example.com") starts the link; without it no e-mail is sent.
    """
    customer = lock_then_load(Customer, customer)
    _check_reach(customer, within=within)
    if contact is not None:
        if contact.company_id != customer.company_id:
            raise DomainError(_("Choose a contact of this company."))
        if CustomerUser.objects.filter(company_id=customer.company_id, contact=contact).exists():
            raise DomainError(_("%(contact)s is already a customer user.") % {"contact": contact})
        email = email or contact.email
        first_name = first_name or contact.first_name
        last_name = last_name or contact.last_name
    email = (email or "").strip().lower()
    if not email:
        raise DomainError(_("Enter an e-mail address: the invitation is sent there."))
    roles = _check_roles(customer, roles)
    _check_grant(actor, roles)
    user = CustomerUser(
        company_id=customer.company_id,
        customer=customer,
        contact=contact,
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        password=make_password(None),
        invited_at=timezone.now(),
    )
    try:
        user.full_clean(exclude=["roles", "password"])
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from error
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        raise DomainError(_("Another customer user already has this e-mail.")) from error
    user.set_roles(roles)
    _log(
        customer,
        event_message(
            gettext_noop("%(user)s was invited to the portal as %(roles)s."),
            user=user,
            roles=", ".join(str(role) for role in roles),
        ),
        actor=actor,
    )
    if base_url:
        transaction.on_commit(lambda: _send_invitation(user, base_url))
    return user


@transaction.atomic
def customer_user_set_roles(
    *, user: CustomerUser, roles: Iterable[CustomerRole], actor, within: Customer | None = None
) -> CustomerUser:
    user = lock_then_load(CustomerUser, user, "customer")
    _check_reach(user.customer, within=within)
    roles = _check_roles(user.customer, roles)
    _check_grant(actor, roles, keeping=user.roles.all())
    if getattr(actor, "pk", None) == user.pk and getattr(actor, "is_customer_user", False):
        keeps_admin = any(role.key == CustomerRole.Key.ADMINISTRATOR for role in roles)
        if not keeps_admin and user.roles.filter(key=CustomerRole.Key.ADMINISTRATOR).exists():
            raise DomainError(_("You cannot take the Administrator role from yourself."))
    user.set_roles(roles)
    user.__dict__.pop("_portal_levels", None)
    _log(
        user.customer,
        event_message(
            gettext_noop("%(user)s now has the roles %(roles)s."),
            user=user,
            roles=", ".join(str(role) for role in roles),
        ),
        actor=actor,
    )
    return user


@transaction.atomic
def customer_user_deactivate(
    *, user: CustomerUser, actor, within: Customer | None = None
) -> CustomerUser:
    user = lock_then_load(CustomerUser, user, "customer")
    _check_reach(user.customer, within=within)
    if getattr(actor, "is_customer_user", False) and actor.pk == user.pk:
        raise DomainError(_("You cannot deactivate yourself."))
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
        _log(
            user.customer,
            event_message(gettext_noop("%(user)s can no longer sign in."), user=user),
            actor=actor,
        )
    return user


@transaction.atomic
def customer_user_reactivate(
    *, user: CustomerUser, actor, within: Customer | None = None
) -> CustomerUser:
    user = lock_then_load(CustomerUser, user, "customer")
    _check_reach(user.customer, within=within)
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
        _log(
            user.customer,
            event_message(gettext_noop("%(user)s can sign in again."), user=user),
            actor=actor,
        )
    return user


# Passwords, sessions and the links in e-mails.


def session_hash(user: CustomerUser) -> str:
    """Changes whenever the password does: a session keeps it and ends when it no longer fits."""
    return salted_hmac("portal.session", user.password, algorithm="sha256").hexdigest()


def _state(user: CustomerUser) -> str:
    # The password (an unusable one until the invitation is accepted) and the last sign-in: a
    # link stops working once either changes, so it works once.
    stamp = user.last_login.isoformat() if user.last_login else ""
    return salted_hmac(_TOKEN_SALT, f"{user.password}|{stamp}|{user.is_active}").hexdigest()[:24]


def customer_user_token(user: CustomerUser) -> str:
    value = f"{user.company_id}:{user.pk}:{_state(user)}"
    return signing.TimestampSigner(salt=_TOKEN_SALT).sign(value)


def customer_user_from_token(token: str, *, max_age_seconds: int) -> CustomerUser | None:
    """The active user a link was made for, while it is fresh and unused; else None."""
    try:
        value = signing.TimestampSigner(salt=_TOKEN_SALT).unsign(token, max_age=max_age_seconds)
        company_id, pk, state = value.split(":", 2)
        company_id, pk = int(company_id), int(pk)
    except (signing.BadSignature, ValueError):
        return None
    rls.activate(user_id=None, company_id=company_id)
    with scopes_disabled():
        user = (
            CustomerUser.objects.filter(pk=pk, company_id=company_id, is_active=True)
            .select_related("company", "customer__customer_group")
            .first()
        )
    if user is None or not constant_time_compare(state, _state(user)):
        return None
    return user


@transaction.atomic
def customer_user_set_password(*, user: CustomerUser, password: str) -> CustomerUser:
    """Check ``password`` against the site's rules and store its hash; the user's other
    sessions and any links sent earlier stop working."""
    try:
        validate_password(password)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from error
    user = lock_then_load(CustomerUser, user)
    first = not user.has_password
    user.password = make_password(password)
    user.joined_at = user.joined_at or timezone.now()
    user.save(update_fields=["password", "joined_at"])
    if first:
        _log(
            user.customer,
            event_message(
                gettext_noop("%(user)s accepted the invitation to the portal."), user=user
            ),
            actor=None,
        )
    return user


@functools.cache
def _dummy_hash() -> str:
    # A hash of the same cost, checked when no user has the address: a wrong address takes as
    # long as a wrong password, and the answer tells nothing.
    return make_password("portal-dummy-password")


def _users_with_email(email: str) -> list[CustomerUser]:
    """The active users of every company with this e-mail. Read across companies (the sign-in
    comes before any company is known): under row-level security one company at a time, from
    the companies the database's lookup names."""
    email = (email or "").strip().lower()
    company_ids = rls.companies_where("portal_user_companies", email)
    found = []
    with scopes_disabled():
        for company_id in [None] if company_ids is None else company_ids:
            rows = CustomerUser.objects.filter(email=email, is_active=True)
            if company_id is not None:
                rls.activate(user_id=None, company_id=company_id)
                rows = rows.filter(company_id=company_id)
            found += rows.select_related("company", "customer__customer_group")
    return found


def customer_user_authenticate(email: str, password: str) -> list[CustomerUser]:
    """The active users (of any company) with this e-mail whose password is ``password``;
    usually one."""
    candidates = _users_with_email(email)
    if not candidates:
        check_password(password, _dummy_hash())
        return []
    return [user for user in candidates if user.has_password and user.check_password(password)]


def _send(
    user: CustomerUser, *, subject, template: str, path: str, base_url: str, **lifetime: int
) -> None:
    """E-mail ``user`` in their language (else their company's); ``subject`` is a lazy string
    with a %(company)s placeholder, translated here; ``lifetime`` (``days=`` or ``hours=``)
    says how long the link works, in the unit the pages say it in."""
    link = base_url.rstrip("/") + path
    with company_locale(user.company, user.language):
        subject = str(subject) % {"company": user.company}
        body = render_to_string(
            template, {"user": user, "company": user.company, "link": link, **lifetime}
        )
    send_mail(subject, body, None, [user.email])


def _send_invitation(user: CustomerUser, base_url: str) -> None:
    # The portal's URL by name: customers cannot import the portal, which sits above it.
    path = reverse("portal:accept_invitation", args=[customer_user_token(user)])
    _send(
        user,
        subject=gettext_lazy("%(company)s invites you to its customer portal"),
        template="customers/email/portal_invitation.txt",
        path=path,
        days=INVITATION_DAYS,
        base_url=base_url,
    )


def customer_user_invitation_resend(*, user: CustomerUser, base_url: str) -> None:
    """Send the invitation again to a user who has not chosen a password yet."""
    if user.has_password:
        raise DomainError(_("%(user)s has already joined the portal.") % {"user": user})
    if not user.is_active:
        raise DomainError(_("%(user)s is deactivated: reactivate them first.") % {"user": user})
    _send_invitation(user, base_url)


def customer_user_reset_send(email: str, *, base_url: str) -> int:
    """E-mail a password link to every active user with this address (one per company);
    answers how many, which the caller must not show (it would tell a known address)."""
    users = _users_with_email(email)
    for user in users:
        path = reverse("portal:reset_confirm", args=[customer_user_token(user)])
        _send(
            user,
            subject=gettext_lazy("Choose a new password for the %(company)s portal"),
            template="customers/email/portal_reset.txt",
            path=path,
            hours=RESET_HOURS,
            base_url=base_url,
        )
    return len(users)


def contact_customers(contact: Contact) -> list[Customer]:
    """The customers a contact is linked to: where it can be invited to the portal."""
    from django.contrib.contenttypes.models import ContentType

    ids = ContactLink.objects.filter(
        company_id=contact.company_id,
        contact=contact,
        owner_type=ContentType.objects.get_for_model(Customer),
    ).values("owner_id")
    return list(Customer.objects.filter(company_id=contact.company_id, pk__in=ids))
