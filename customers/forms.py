"""Customer forms; every choice comes from the active company."""

import uuid
from decimal import Decimal

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from addressbook.models import Contact, ContactLink
from crm.access import Level, portal_record_types, viewable_rows
from crm.forms import CompanyModelForm, DateInput, LocalDateField, LocalDecimalField
from crm.models import Product, SalesPartner, Salesperson
from crm.ui.bulk import BulkActionForm
from crm.ui.lookup import LookupField
from crm.ui.page_forms import PlainQueryChoiceIterator
from customers.lookups import CUSTOMERS
from customers.models import (
    DEFAULT_PAYMENT_TERMS_DAYS,
    Customer,
    CustomerGroup,
    CustomerRole,
    CustomerType,
    GroupContent,
    GroupPrice,
    ProductLimit,
)
from customers.selectors import InviteChoices
from leads.forms import company_choice
from leads.models import OpportunityStage


class CustomerForm(CompanyModelForm):
    # Each empty choice says what it means, as the parent's does.
    customer_type = company_choice(
        CustomerType,
        _("Customer type"),
        required=True,
        empty_label=_("Choose a customer type"),
    )
    customer_group = company_choice(
        CustomerGroup, _("Customer group"), empty_label=_("No customer group")
    )
    # Any of the company's customers: a search, never a select of all of them.
    parent = LookupField(
        CUSTOMERS, label=_("Parent customer"), required=False, empty_label=_("No parent")
    )
    salesperson = company_choice(Salesperson, _("Salesperson"), empty_label=_("No salesperson"))
    sales_partner = company_choice(
        SalesPartner, _("Sales partner"), empty_label=_("No sales partner")
    )

    class Meta:
        model = Customer
        fields = [
            "name",
            "customer_type",
            "customer_group",
            "email",
            "phone",
            "parent",
            "salesperson",
            "sales_partner",
            "internal_information",
        ]
        widgets = {"internal_information": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sales_partner"].queryset = self.fields[
            "sales_partner"
        ].queryset.non_polymorphic()
        if self.instance.pk:
            parents = self.fields["parent"].queryset
            self.fields["parent"].queryset = parents.exclude(pk=self.instance.pk)


class CustomerHoldForm(forms.Form):
    """The reason a customer is put on hold (the customer page's small form)."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=Customer._meta.get_field("hold_reason").max_length,
        help_text=_("Shown wherever a quotation or order would be made for this customer."),
    )


class CustomerBulkForm(BulkActionForm):
    """The customer list's action bar: the extra field its bulk actions need."""

    salesperson = forms.ModelChoiceField(
        label=_("Salesperson"),
        queryset=Salesperson.objects.none(),
        required=False,
        empty_label=_("Choose a salesperson"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Active salespeople only: the assignment service refuses the others.
        self.fields["salesperson"].queryset = Salesperson.objects.filter(
            company=self.company, is_active=True
        )


class ConversionForm(CompanyModelForm):
    """The customer a conversion would create, for the user to adjust before confirming."""

    customer_type = company_choice(CustomerType, _("Customer type"), required=True)
    customer_group = company_choice(CustomerGroup, _("Customer group"))

    class Meta:
        model = Customer
        fields = ["name", "customer_type", "customer_group", "email", "phone"]

    def _get_validation_exclusions(self):
        # The proposal carries the lead/opportunity it comes from; the service checks those.
        return {*super()._get_validation_exclusions(), "lead", "opportunity"}


class CustomerOpportunityForm(forms.Form):
    """A new opportunity for an existing customer (a repeat sale)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=None)
    expected_amount = LocalDecimalField(
        label=_("Expected amount"), min_value=0, max_digits=14, decimal_places=2, required=False
    )
    expected_close_date = LocalDateField(label=_("Expected close date"), required=False)

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = OpportunityStage.objects.filter(
            company=company, kind=OpportunityStage.Kind.OPEN
        )


def product_label(product: Product) -> str:
    return f"{product.name} ({product.sku})"


class LimitedProductsMixin:
    """A "products only for this type/group" field: the company's products, one query."""

    limit_field: str  # ``customer_type`` or ``customer_group`` on ProductLimit

    def add_limited_products(self) -> None:
        field = forms.ModelMultipleChoiceField(
            label=self.limited_products_label,
            help_text=self.limited_products_help,
            queryset=Product.objects.filter(company=self.company).order_by("name", "sku", "pk"),
            required=False,
            widget=forms.SelectMultiple(attrs={"size": 6}),
        )
        field.label_from_instance = product_label
        self.fields["limited_products"] = field
        if self.instance.pk is not None:
            field.initial = list(
                ProductLimit.objects.filter(
                    company=self.company, **{self.limit_field: self.instance}
                ).values_list("product_id", flat=True)
            )


class CustomerGroupForm(LimitedProductsMixin, CompanyModelForm):
    limit_field = "customer_group"
    limited_products_label = _("Products only for this group")
    limited_products_help = _(
        "These products are sold only to members of this group (and of any other group they "
        "are limited to). Leave empty for none."
    )

    class Meta:
        model = CustomerGroup
        fields = ["name", "discount_percent", "payment_terms_days", "portal_login", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left empty: the usual terms (30 days net).
        self.fields["payment_terms_days"].required = False
        self.add_limited_products()
        # The price list: rows of the group's prices, edited with the group (its version guards
        # them too); only on the edit page, once the group exists.
        self.prices = None
        if self.instance.pk is not None:
            self.prices = group_prices_formset(
                group=self.instance, company=self.company, data=self.data if self.is_bound else None
            )

    def clean_payment_terms_days(self):
        days = self.cleaned_data.get("payment_terms_days")
        return DEFAULT_PAYMENT_TERMS_DAYS if days is None else days

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if self.prices is not None:
            valid = self.prices.is_valid() and valid
        return valid

    def service_kwargs(self) -> dict:
        """What the save service takes besides the group itself."""
        kwargs = {"limited_products": list(self.cleaned_data["limited_products"])}
        if self.prices is not None:
            kwargs["prices"] = self.prices.price_list()
        return kwargs


class CustomerTypeForm(LimitedProductsMixin, CompanyModelForm):
    limit_field = "customer_type"
    limited_products_label = _("Products only for this type")
    limited_products_help = _(
        "These products are sold only to customers of this type (and of any other type they "
        "are limited to), e.g. wholesale bundles for business customers. Leave empty for none."
    )

    class Meta:
        model = CustomerType
        fields = ["name", "is_business", "discount_percent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_limited_products()

    def service_kwargs(self) -> dict:
        return {"limited_products": list(self.cleaned_data["limited_products"])}


# --- a group's price list -----------------------------------------------------------------------

PRICES_PREFIX = "prices"
# Empty rows offered for new prices (without JavaScript, save and the page offers more).
NEW_PRICE_ROWS = 3
MAX_PRICE_ROWS = 1000


class GroupPriceRowForm(forms.Form):
    """One product of the price list and the group's net unit price for it."""

    product = forms.TypedChoiceField(
        label=_("Product"),
        coerce=int,
        error_messages={"invalid_choice": _("Choose a product from your catalog.")},
    )
    unit_price = LocalDecimalField(
        label=_("Group price (net)"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
    )

    def __init__(self, *args, product_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = product_choices


class BaseGroupPriceFormSet(forms.BaseFormSet):
    def __init__(self, *args, products: dict[int, Product], **kwargs):
        self.products = products
        kwargs.setdefault("prefix", PRICES_PREFIX)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        initial_product = None
        if index is not None and index < len(self.initial or []):
            initial_product = self.initial[index].get("product")
        kwargs["product_choices"] = self.choices_for(initial_product)
        return kwargs

    def choices_for(self, current: int | None) -> list[tuple[str, str]]:
        """Active products, plus the row's own product if it is no longer sold."""
        choices = [("", _("Choose a product…"))]
        for pk, product in self.products.items():
            if product.is_active or pk == current:
                choices.append((pk, product_label(product)))
        return choices

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove")

    def clean(self):
        super().clean()
        seen: set[int] = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            product = form.cleaned_data.get("product")
            if product is None:
                continue
            if product in seen:
                raise forms.ValidationError(
                    _("“%(product)s” is on the price list twice: keep one row for it.")
                    % {"product": product_label(self.products[product])},
                    code="duplicate",
                )
            seen.add(product)

    def price_list(self) -> dict[Product, object]:
        """The whole price list as saved: product -> net unit price (call after is_valid())."""
        prices = {}
        for form in self.forms:
            if self._should_delete_form(form) or not form.cleaned_data.get("product"):
                continue
            prices[self.products[form.cleaned_data["product"]]] = form.cleaned_data["unit_price"]
        return prices


GroupPriceFormSet = forms.formset_factory(
    GroupPriceRowForm,
    formset=BaseGroupPriceFormSet,
    extra=NEW_PRICE_ROWS,
    can_delete=True,
    max_num=MAX_PRICE_ROWS,
    validate_max=True,
    absolute_max=MAX_PRICE_ROWS,
)


def group_prices_formset(*, group: CustomerGroup, company, data=None) -> BaseGroupPriceFormSet:
    """The group's price list as rows (one query for the prices, one for the products)."""
    products = {
        product.pk: product
        for product in Product.objects.filter(company=company).order_by("name", "sku", "pk")
    }
    rows = GroupPrice.objects.filter(company=company, customer_group=group).order_by(
        "product__name", "product__sku", "pk"
    )
    initial = [{"product": row.product_id, "unit_price": row.unit_price} for row in rows]
    return GroupPriceFormSet(data, initial=initial, products=products)


# --- the balance and gift cards ------------------------------------------------------------------


class BalanceCreditForm(forms.Form):
    """Money the company puts on the balance, or (``correction``) a signed fix of a mistake."""

    amount = LocalDecimalField(label=_("Amount"), max_digits=14, decimal_places=2)
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, correction: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.correction = correction
        if correction:
            self.fields["amount"].help_text = _("Negative takes money off, positive adds it.")
            self.fields["reason"].help_text = _("What the correction puts right.")

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if self.correction and amount == 0:
            raise forms.ValidationError(_("A correction of zero changes nothing."))
        if not self.correction and amount <= 0:
            raise forms.ValidationError(_("Enter an amount more than zero."))
        return amount


class GiftCardRedeemForm(forms.Form):
    code = forms.CharField(
        label=_("Gift card code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("As printed on the card, e.g. 7K3M-Q9TZ-WX2P-HD4R."),
    )


class GiftCardIssueForm(forms.Form):
    amount = LocalDecimalField(
        label=_("Amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    expires_on = LocalDateField(label=_("Expires on"), required=False)
    customer = LookupField(
        CUSTOMERS,
        label=_("For customer"),
        required=False,
        empty_label=_("Anyone"),
        help_text=_("Optional: only this customer can redeem the card."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    # One key per form shown: the service issues one card per key (a reload issues none).
    issue_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, company, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        customers = Customer.objects.filter(company=company)
        self.fields["customer"].queryset = viewable_rows(customers, user, company)
        if not self.is_bound:
            self.initial.setdefault("issue_key", uuid.uuid4())


# --- customer users and roles (the staff's side of the portal) -----------------------------------


class _RoleChoiceField(forms.ModelMultipleChoiceField):
    """Roles as checkboxes, each labelled with its name and, for a customer's own, whose."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, role):
        if role.customer_id:
            return _("%(role)s (this customer's own)") % {"role": role.shown_name}
        return role.shown_name


class _ReadChoiceIterator(PlainQueryChoiceIterator):
    """The options of a field whose rows were read already (``_offer``)."""

    def _objects(self) -> list:
        return self.field.offered_rows


def _offer(field: forms.ModelChoiceField, rows: list) -> None:
    """Offer ``rows`` as the field's options instead of reading its queryset."""
    field.offered_rows = rows
    field.iterator = _ReadChoiceIterator
    # The widget holds the choices it was given at construction; point it at ours.
    field.widget.choices = field.choices


class PortalInviteForm(forms.Form):
    """Who to invite: one of the customer's contacts (the same person, linked) or an e-mail
    and names typed in; and the roles they get."""

    contact = forms.ModelChoiceField(
        label=_("Contact"),
        queryset=Contact.objects.none(),
        required=False,
        empty_label=_("Someone else (type their details)"),
        help_text=_("A contact of this customer: their name and e-mail are taken from it."),
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    roles = _RoleChoiceField(label=_("Roles"), queryset=CustomerRole.objects.none())

    def __init__(self, *args, customer: Customer, choices: InviteChoices | None = None, **kwargs):
        """``choices``: the contacts and roles to offer, read already (``invite_choices``, for
        the customer page's unbound form); the querysets still validate what is posted."""
        from django.contrib.contenttypes.models import ContentType

        from customers.portal_users import roles_for

        super().__init__(*args, **kwargs)
        self.customer = customer
        linked = ContactLink.objects.filter(
            company_id=customer.company_id,
            owner_type=ContentType.objects.get_for_model(Customer),
            owner_id=customer.pk,
        ).values("contact_id")
        # Contacts who already sign in (here or for another customer) cannot be invited again.
        self.fields["contact"].queryset = Contact.objects.filter(
            company_id=customer.company_id, pk__in=linked, customer_user__isnull=True
        ).order_by("last_name", "first_name", "pk")
        self.fields["roles"].queryset = roles_for(customer)
        if choices is not None:
            _offer(self.fields["contact"], choices.contacts)
            _offer(self.fields["roles"], choices.roles)
        if not self.is_bound and "roles" not in self.initial:
            offered = choices.roles if choices is not None else self.fields["roles"].queryset
            self.initial["roles"] = [
                role.pk for role in offered if role.key == CustomerRole.Key.BUYER
            ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("contact") is None:
            if not cleaned.get("email") and "email" not in self.errors:
                self.add_error("email", _("Pick a contact or enter the e-mail address."))
            if not (cleaned.get("last_name") or "").strip():
                self.add_error("last_name", _("Pick a contact or enter the last name."))
        return cleaned


class PortalUserRolesForm(forms.Form):
    roles = _RoleChoiceField(label=_("Roles"), queryset=CustomerRole.objects.none())

    def __init__(self, *args, customer: Customer, **kwargs):
        from customers.portal_users import roles_for

        super().__init__(*args, **kwargs)
        self.fields["roles"].queryset = roles_for(customer)


# The levels' short names for the roles table's selects; the page spells out each one's reach
# (PORTAL_LEVEL_CHOICES) beneath the table, so a table of several roles fits the screen.
SHORT_PORTAL_LEVELS = [
    (Level.COMPANY, _("Corporate")),
    (Level.TEAM, _("Department")),
    (Level.OWN, _("User")),
    (Level.NONE, _("None")),
]


def _level_field_name(record_type: str, action: str, role_id: int) -> str:
    return f"{record_type.replace('.', '__')}--{action}--{role_id}"


class CustomerRoleLevelsForm(forms.Form):
    """One select per portal record type, action and company role; ``rows`` lists them in
    the order of ``roles`` so the template draws a table."""

    def __init__(self, *args, roles, levels_by_role: dict[int, dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.roles = list(roles)
        self.rows = []
        self._keys: dict[str, tuple[int, tuple[str, str]]] = {}
        for record_type in portal_record_types():
            for action in record_type.actions:
                names = []
                for role in self.roles:
                    name = _level_field_name(record_type.label, action, role.pk)
                    self.fields[name] = forms.ChoiceField(
                        label=_("%(role)s: %(action)s %(records)s")
                        % {
                            "role": role.shown_name,
                            "action": record_type.action_label(action).lower(),
                            "records": record_type.verbose_name_plural,
                        },
                        choices=SHORT_PORTAL_LEVELS,
                        initial=levels_by_role[role.pk][(record_type.label, action)],
                    )
                    self._keys[name] = (role.pk, (record_type.label, action))
                    names.append(name)
                self.rows.append(
                    {
                        "records": record_type.verbose_name_plural,
                        "action": record_type.action_label(action),
                        "names": names,
                    }
                )

    def bound_rows(self):
        for row in self.rows:
            yield {**row, "fields": [self[name] for name in row["names"]]}

    def levels_by_role(self) -> dict[int, dict[tuple[str, str], str]]:
        levels: dict[int, dict[tuple[str, str], str]] = {role.pk: {} for role in self.roles}
        for name, (role_id, key) in self._keys.items():
            levels[role_id][key] = self.cleaned_data[name]
        return levels


class CustomerRoleAddForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)


class GroupContentForm(CompanyModelForm):
    class Meta:
        model = GroupContent
        fields = ["title", "body", "valid_from", "valid_until"]
        widgets = {"valid_from": DateInput(), "valid_until": DateInput()}
        help_texts = {
            "valid_from": _("Empty: shown from today."),
            "valid_until": _("Empty: shown until you delete it."),
        }

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("valid_from"), cleaned.get("valid_until")
        if first and last and last < first:
            self.add_error(
                "valid_until",
                _(
                    "The last day (%(last)s) is before the first day (%(first)s): pick a last "
                    "day on or after the first."
                )
                % {
                    "last": date_format(last, "SHORT_DATE_FORMAT"),
                    "first": date_format(first, "SHORT_DATE_FORMAT"),
                },
            )
        return cleaned

    def _get_validation_exclusions(self):
        # Checked above with a message naming the days; the constraint would say it again.
        return {*super()._get_validation_exclusions(), "valid_until"}
