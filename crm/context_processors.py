from crm.tenancy import companies_for


def company(request):
    """The active company, the user's role in it and the companies they can switch to."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "active_company": getattr(request, "company", None),
        "active_membership": getattr(request, "membership", None),
        # Read by the middleware with the membership; lazily for requests it did not see.
        "switchable_companies": getattr(request, "switchable_companies", None)
        or companies_for(user).only("pk", "name"),
    }
