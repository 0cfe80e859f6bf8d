"""Backups per company: every row one company owns, out to a file and back into any database.

The file is JSON Lines (gzip when its name ends in ``.gz``): a header with the company's own
fields, then the accounts its rows point at (members, authors, editors), then one line per row
of every company-owned table, tables in an order where each row's foreign keys point at rows
written before it. The tables are found from the models (every model with a ``company`` foreign
key, and the subtypes of polymorphic ones), so a table added later is in the next backup without
a change here.

Ids are the exporting database's. An import writes the company under new ids and remaps every
reference: foreign keys, self-references (a customer's parent, a salesperson's manager, set once
every row is in), generic owners (address links and timeline entries name an owner by content
type and id) and polymorphic subtypes (a partner's or activity's own table shares its parent's
id). Accounts are matched by username, and must have the same e-mail; new ones are created with
the exported password hash. Timestamps, versions and numbers are written as they were (raw
inserts: no ``auto_now``), so a round trip loses nothing. The JSON ``data`` of system events is
copied as it is: ids inside it are the exporting database's, and nothing reads them as links.

Export and import each run in one transaction; a failed import leaves nothing behind.
"""

from __future__ import annotations

import datetime
import gzip
import io
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import rls
from crm.errors import DomainError
from crm.models import Company, Membership
from crm.services import staff_access_sync
from crm.tenancy import company_tables

FORMAT = "crm-company-export"
VERSION = 1
USER_FIELDS = ("username", "email", "first_name", "last_name", "password", "is_active")
COMPANY_SKIPPED = ("id", "slug")


def _generic_owner_fields(model) -> list[GenericForeignKey]:
    return [f for f in model._meta.private_fields if isinstance(f, GenericForeignKey)]


def _local_fields(model) -> list[models.Field]:
    """The columns of the model's own table (a subtype's table: its own fields and the link),
    but those the database generates (a lead's ``search_text``): it writes them itself."""
    return [f for f in model._meta.local_concrete_fields if not f.generated]


def _user_fields(model) -> list[models.Field]:
    User = get_user_model()
    return [f for f in _local_fields(model) if f.is_relation and f.related_model is User]


def _content_type_fields(model) -> list[models.Field]:
    return [f for f in _local_fields(model) if f.is_relation and f.related_model is ContentType]


def _rows(model, company: Company):
    # The plain base manager: a backup reads outside any request scope, one company explicitly.
    return model._base_manager.filter(company=company).order_by("pk")


# --- export -------------------------------------------------------------------------------------


def _open(path: Path, mode: str) -> IO[str]:
    if mode == "w":
        # The file holds password hashes and every customer's data: for its owner's eyes only.
        path.touch(mode=0o600)
        path.chmod(0o600)
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, mode + "b"), encoding="utf-8")
    return path.open(mode, encoding="utf-8")


class _Encoder(DjangoJSONEncoder):
    """Django's encoder, but times keep their microseconds (it cuts them to milliseconds)."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def _line(payload: dict) -> str:
    return json.dumps(payload, cls=_Encoder, ensure_ascii=False, sort_keys=True) + "\n"


def _natural(content_type_id: int | None, cache: dict[int, str]) -> str | None:
    if content_type_id is None:
        return None
    if content_type_id not in cache:
        content_type = ContentType.objects.get_for_id(content_type_id)
        cache[content_type_id] = f"{content_type.app_label}.{content_type.model}"
    return cache[content_type_id]


def backed_up_tables() -> list[type[models.Model]]:
    """The company tables a backup holds: all but those the database derives from others
    (``derived_in_database``: kept by triggers), which the import's own inserts rebuild; their
    rows in the file would count everything twice."""
    return [model for model in company_tables() if not getattr(model, "derived_in_database", False)]


def export_lines(company: Company) -> Iterator[str]:
    """The backup of ``company``, line by line (constant memory: rows are streamed)."""
    tables = backed_up_tables()
    header = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now(),
        "company": {
            f.attname: f.value_from_object(company)
            for f in Company._meta.concrete_fields
            if f.attname not in ("id",)
        },
        "company_id": company.pk,
        "tables": [model._meta.label_lower for model in tables],
    }
    yield _line(header)

    User = get_user_model()
    user_ids: set[int] = set()
    if company.updated_by_id:
        user_ids.add(company.updated_by_id)
    for model in tables:
        for f in _user_fields(model):
            user_ids.update(
                _rows(model, company)
                .exclude(**{f.attname: None})
                .values_list(f.attname, flat=True)
                .distinct()
            )
    for user in User.objects.filter(pk__in=user_ids).order_by("pk"):
        yield _line(
            {"user": {"id": user.pk, **{name: getattr(user, name) for name in USER_FIELDS}}}
        )

    content_types: dict[int, str] = {}
    for model in tables:
        label = model._meta.label_lower
        fields = _local_fields(model)
        ct_fields = {f.attname for f in _content_type_fields(model)}
        attnames = [f.attname for f in fields]
        for values in _rows(model, company).values_list(*attnames).iterator(chunk_size=2000):
            row = dict(zip(attnames, values, strict=True))
            for name in ct_fields:
                row[name] = _natural(row[name], content_types)
            yield _line({"table": label, "row": row})


def _refuse_the_app_role() -> None:
    if rls.is_enforced():
        raise DomainError(
            _(
                "This database connection is the app's role, which sees one company at a time: "
                "run backups as the tables' owner (DATABASE_URL of the owner)."
            )
        )


def company_export(*, company: Company, path: Path) -> int:
    """Write the backup to ``path``; returns the number of lines written."""
    _refuse_the_app_role()
    outermost = not connection.in_atomic_block
    count = 0
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            # One snapshot for every table: rows written meanwhile are all in or all out.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        with _open(path, "w") as out:
            for line in export_lines(company):
                out.write(line)
                count += 1
    return count


# --- import -------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    company: Company
    rows: dict[str, int] = field(default_factory=dict)
    users_created: int = 0
    users_matched: int = 0


def _renew_taken_secrets(model, objs: list) -> None:
    """A field unique in the whole database whose value the model generates (a web form's
    secret address) gets a fresh value where this database already has the backup's: a copy
    of a company must not take over, or break, the original's."""
    for f in model._meta.local_concrete_fields:
        if not f.unique or f.primary_key or not callable(f.default):
            continue
        values = [getattr(obj, f.attname) for obj in objs]
        taken = set(
            model._base_manager.filter(**{f"{f.attname}__in": values}).values_list(
                f.attname, flat=True
            )
        )
        for obj in objs:
            if getattr(obj, f.attname) in taken:
                setattr(obj, f.attname, f.default())


def _read(path: Path) -> Iterator[dict]:
    with _open(path, "r") as source:
        for number, text in enumerate(source, 1):
            if not text.strip():
                continue
            try:
                yield json.loads(text)
            except json.JSONDecodeError as error:
                raise DomainError(
                    _("Line %(line)d of the backup is not valid JSON: %(error)s")
                    % {"line": number, "error": error}
                ) from error


class _Importer:
    def __init__(self, header: dict, *, slug: str | None, name: str | None) -> None:
        if header.get("format") != FORMAT:
            raise DomainError(_("This file is not a company backup made by export_company."))
        if header.get("version") != VERSION:
            raise DomainError(
                _("This backup has format version %(found)s; this CRM reads version %(wanted)s.")
                % {"found": header.get("version"), "wanted": VERSION}
            )
        self.header = header
        self.slug = slug or header["company"]["slug"]
        self.name = name
        self.ids: dict[type[models.Model], dict[int, int]] = defaultdict(dict)
        self.users: dict[int, int] = {}
        self.deferred: list[tuple[type[models.Model], int, str, type[models.Model], int]] = []
        self.models = {model._meta.label_lower: model for model in company_tables()}
        self.content_types: dict[str, int] = {}
        self.report: ImportReport | None = None
        self.batch: list[dict] = []
        self.batch_table: str | None = None

    # The company and its people first.

    def start(self) -> None:
        if Company.objects.filter(slug=self.slug).exists():
            raise DomainError(
                _(
                    "A company with the slug “%(slug)s” exists in this database already: "
                    "import under another one with --slug."
                )
                % {"slug": self.slug}
            )
        values = {
            key: value
            for key, value in self.header["company"].items()
            if key not in ("slug", "updated_by_id")
        }
        company = Company(**self._python(Company, values), slug=self.slug)
        if self.name:
            company.name = self.name
        company.save_base(raw=True, force_insert=True)
        self.ids[Company][self.header["company_id"]] = company.pk
        self.company = company
        self.company_updated_by = self.header["company"].get("updated_by_id")
        self.report = ImportReport(company=company)

    def user(self, data: dict) -> None:
        User = get_user_model()
        existing = User.objects.filter(username=data["username"]).first()
        if existing is not None:
            if (existing.email or "").lower() != (data["email"] or "").lower():
                raise DomainError(
                    _(
                        "The account “%(username)s” exists here with another e-mail address "
                        "(%(here)s, the backup says %(there)s): rename one of them first."
                    )
                    % {
                        "username": data["username"],
                        "here": existing.email or "–",
                        "there": data["email"] or "–",
                    }
                )
            self.users[data["id"]] = existing.pk
            self.report.users_matched += 1
            return
        user = User(**{name: data[name] for name in USER_FIELDS})
        user.save()
        self.users[data["id"]] = user.pk
        self.report.users_created += 1

    # Then the rows, table by table, in batches.

    def row(self, table: str, row: dict) -> None:
        if table not in self.models:
            raise DomainError(
                _("The backup holds the table “%(table)s”, which this CRM does not have.")
                % {"table": table}
            )
        if table != self.batch_table:
            self.flush()
            self.batch_table = table
        self.batch.append(row)
        if len(self.batch) >= 500:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        model = self.models[self.batch_table]
        fields = _local_fields(model)
        pk_field = model._meta.pk
        parent_link = pk_field if pk_field.is_relation else None
        objs, old_ids = [], []
        for row in self.batch:
            values = self._remap(model, row)
            if values is None:
                continue
            old_ids.append(row[pk_field.attname])
            if parent_link is None:
                values.pop(pk_field.attname)
            objs.append(model(**values))
        _renew_taken_secrets(model, objs)
        insert_fields = [f for f in fields if parent_link is not None or f is not pk_field]
        if parent_link is not None:
            # A subtype's table: its id is its parent's, already remapped.
            model._base_manager._insert(objs, fields=insert_fields, raw=True)
            new_ids = [getattr(obj, pk_field.attname) for obj in objs]
        else:
            new_ids = []
            size = connection.ops.bulk_batch_size(insert_fields, objs) or len(objs)
            for start in range(0, len(objs), size):
                returned = model._base_manager._insert(
                    objs[start : start + size],
                    fields=insert_fields,
                    returning_fields=[pk_field],
                    raw=True,
                )
                new_ids.extend(values[0] for values in returned)
        self.ids[model].update(zip(old_ids, new_ids, strict=True))
        self.report.rows[model._meta.label_lower] = self.report.rows.get(
            model._meta.label_lower, 0
        ) + len(objs)
        self.batch = []

    def _python(self, model, values: dict) -> dict:
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        converted = {}
        for key, value in values.items():
            f = by_attname[key]
            if value is not None and not f.is_relation and not isinstance(f, models.JSONField):
                value = f.to_python(value)
            converted[key] = value
        return converted

    def _content_type_id(self, natural: str | None) -> int | None:
        if natural is None:
            return None
        if natural not in self.content_types:
            app_label, model_name = natural.split(".")
            self.content_types[natural] = ContentType.objects.get_by_natural_key(
                app_label, model_name
            ).pk
        return self.content_types[natural]

    def _remap(self, model, row: dict) -> dict | None:
        values = self._python(model, row)
        if getattr(model, "instance_type", None) is not None:
            return self._remap_history(model, values)
        for f in _local_fields(model):
            old = values.get(f.attname)
            if not f.is_relation or old is None:
                continue
            target = f.related_model
            if target is ContentType:
                values[f.attname] = self._content_type_id(old)
            elif target is get_user_model():
                values[f.attname] = self.users[old]
            elif target is model and not f.one_to_one:
                # A self-reference (parent, manager): set once every row of the table is in.
                values[f.attname] = None
                self.deferred.append((model, row[model._meta.pk.attname], f.attname, target, old))
            else:
                values[f.attname] = self._new_id(model, row, target, old)
        for generic in _generic_owner_fields(model):
            type_id = values.get(generic.ct_field + "_id")
            owner_id = values.get(generic.fk_field)
            if type_id is None or owner_id is None:
                continue
            owner_model = ContentType.objects.get_for_id(type_id).model_class()
            values[generic.fk_field] = self._new_id(model, row, owner_model, int(owner_id))
        return values

    def _remap_history(self, model, values: dict) -> dict | None:
        """A historical row (crm.audit) of a record in the backup, pointing at the record's new
        id; the history of records deleted before the export is left out (None), and what an old
        version pointed at and is gone since points at nothing."""
        record_model = model.instance_type
        root = record_model._meta.pk.related_model if record_model._meta.pk.is_relation else None
        new_record_id = self.ids[root or record_model].get(values["id"])
        if new_record_id is None:
            return None
        values["id"] = new_record_id
        for f in _local_fields(model):
            old = values.get(f.attname)
            if not f.is_relation or old is None or f.attname == "id":
                continue
            target = f.related_model
            if target is ContentType:
                values[f.attname] = self._content_type_id(old)
            elif target is get_user_model():
                values[f.attname] = self.users.get(old)
            else:
                values[f.attname] = self.ids[target].get(old)
        return values

    def _new_id(self, model, row: dict, target, old_id: int) -> int:
        """The id the ``target`` row got here; a row the backup does not hold is refused."""
        new_id = self.ids[target].get(old_id)
        if new_id is None:
            raise DomainError(
                _("The backup's %(table)s row %(id)s points at a missing %(target)s row.")
                % {
                    "table": model._meta.label_lower,
                    "id": row[model._meta.pk.attname],
                    "target": target._meta.label_lower,
                }
            )
        return new_id

    def finish(self) -> ImportReport:
        self.flush()
        by_target: dict[tuple, list] = defaultdict(list)
        for model, old_pk, attname, target, old_target in self.deferred:
            by_target[(model, attname)].append(
                (self.ids[model][old_pk], self.ids[target][old_target])
            )
        for (model, attname), pairs in by_target.items():
            for new_pk, new_target in pairs:
                model._base_manager.filter(pk=new_pk).update(**{attname: new_target})
        # Admins of the imported company may open the Django admin, as anywhere else.
        members = Membership._base_manager.filter(company=self.company).select_related("user")
        for membership in members:
            staff_access_sync(user=membership.user)
        if self.company_updated_by is not None:
            Company.objects.filter(pk=self.company.pk).update(
                updated_by_id=self.users.get(self.company_updated_by)
            )
        return self.report


@transaction.atomic
def company_import(*, path: Path, slug: str | None = None, name: str | None = None) -> ImportReport:
    """Read a backup into this database as a new company (``slug``/``name`` override the
    backup's); every id is new and every reference remapped. Nothing is written on error."""
    _refuse_the_app_role()
    lines = _read(path)
    header = next(lines, None)
    if header is None:
        raise DomainError(_("The backup file is empty."))
    importer = _Importer(header, slug=slug, name=name)
    importer.start()
    for entry in lines:
        if "user" in entry:
            importer.user(entry["user"])
        elif "table" in entry:
            importer.row(entry["table"], entry["row"])
        else:
            raise DomainError(_("The backup holds a line that is neither an account nor a row."))
    return importer.finish()
