from crm.tenancy import companies_for


def company(request):
    """The active company, the user's role in it and the companies they can switch to."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "active_company": getattr(request, "company", None),
        "active_membership": getattr(request, "membership", None),
        # Lazy: only evaluated when the switcher renders it.
        "switchable_companies": companies_for(user).only("pk", "name"),
    }
