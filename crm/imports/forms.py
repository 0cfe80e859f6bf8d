"""The import page's forms: the upload, and the mapping of the file's columns to fields."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from crm.imports.kinds import ImportKind, import_kinds
from crm.models import ImportJob

AUTO = ""


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=[])
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV or XLSX; the first row names the columns."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )
    encoding = forms.ChoiceField(
        label=_("Encoding"),
        required=False,
        choices=[
            (AUTO, _("Find out")),
            ("utf-8", "UTF-8"),
            ("cp1252", _("Windows (cp1252)")),
        ],
    )
    delimiter = forms.ChoiceField(
        label=_("Columns separated by"),
        required=False,
        choices=[(AUTO, _("Find out")), (",", _("Comma")), (";", _("Semicolon")), ("\t", _("Tab"))],
    )
    decimal_comma = forms.ChoiceField(
        label=_("Numbers"),
        required=False,
        choices=[(AUTO, _("Find out")), ("no", "1,234.50"), ("yes", "1.234,50")],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind.key, kind.label) for kind in import_kinds()]
        # Leads are what a team moving in brings first.
        self.fields["kind"].initial = "leads"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB.")
                % {"mb": settings.IMPORT_MAX_BYTES // 1_000_000}
            )
        return upload

    def reading_options(self) -> dict:
        decimal = self.cleaned_data.get("decimal_comma")
        return {
            "encoding": self.cleaned_data.get("encoding") or None,
            "delimiter": self.cleaned_data.get("delimiter") or None,
            "decimal_comma": None if not decimal else decimal == "yes",
        }


class ImportMappingForm(forms.Form):
    """One select per column of the file (``column_0``, ``column_1``, ...)."""

    duplicates = forms.ChoiceField(
        label=_("A row that matches an existing record"),
        choices=ImportJob.Duplicates.choices,
        widget=forms.RadioSelect,
        initial=ImportJob.Duplicates.SKIP,
    )
    keep_good_rows = forms.ChoiceField(
        label=_("If some rows are bad"),
        choices=[
            ("", _("Import nothing (all or nothing)")),
            ("1", _("Import the good rows and report the bad ones")),
        ],
        widget=forms.RadioSelect,
        required=False,
        initial="",
    )
    save_as = forms.CharField(
        label=_("Save this mapping as"),
        max_length=100,
        required=False,
        help_text=_("Optional: a name, to use the mapping for the next file."),
    )

    def __init__(self, *args, kind: ImportKind, headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = headers
        choices = [("", _("— not imported —"))] + [
            (f.name, f"{f.label}{' *' if f.required else ''}") for f in kind.fields
        ]
        self.column_fields = []
        for index, header in enumerate(headers):
            name = f"column_{index}"
            self.fields[name] = forms.ChoiceField(
                label=header or _("(column %(n)s)") % {"n": index + 1},
                choices=choices,
                required=False,
            )
            self.column_fields.append(name)

    def columns(self) -> dict[str, str]:
        return {
            header: self.cleaned_data[f"column_{index}"]
            for index, header in enumerate(self.headers)
            if self.cleaned_data.get(f"column_{index}")
        }

    def bound_columns(self):
        return [self[name] for name in self.column_fields]
