"""Backups per company: export_company writes every row one company owns; import_company reads it
back under new ids with every reference remapped, and the round trip loses nothing."""

import gzip
import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django_scopes import scope, scopes_disabled

from crm.backup import backed_up_tables, company_tables
from crm.models import Company, GeneratedDataset, Membership, RoleAccessLevel
from crm.sample.demo import seed_company
from leads.figures import pipeline_counted
from leads.kept import PIPELINE
from leads.models import Lead
from tests.factories import CompanyFactory, LeadFactory, MembershipFactory


def _read(path):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as source:
        return [json.loads(line) for line in source]


def canonical(lines):
    """The backup with every id replaced by the row's place in its table (and a user by their
    username), so two backups of the same data under different ids compare equal."""
    header, *entries = lines
    models = {model._meta.label_lower: model for model in company_tables()}
    users = {entry["user"]["id"]: entry["user"]["username"] for entry in entries if "user" in entry}
    places: dict = {}
    for entry in entries:
        if "table" in entry:
            table = models[entry["table"]]
            pk = entry["row"][table._meta.pk.attname]
            places.setdefault(table, {})[pk] = len(places.get(table, {}))

    def place_of(model, pk):
        while model not in places and model._meta.parents:  # a subtype row's id is its parent's
            model = next(iter(model._meta.parents))
        return (model._meta.label_lower, places[model][pk])

    tables: dict = {}
    User = get_user_model()
    for entry in entries:
        if "table" not in entry:
            continue
        model = models[entry["table"]]
        row = dict(entry["row"])
        for field in model._meta.local_concrete_fields:
            value = row.get(field.attname)
            if value is None or not field.is_relation:
                continue
            if field.related_model is Company:
                row[field.attname] = "the company"
            elif field.related_model is User:
                row[field.attname] = users[value]
            elif field.related_model is not ContentType:
                row[field.attname] = place_of(field.related_model, value)
        if model._meta.pk.attname in row and not model._meta.pk.is_relation:
            row[model._meta.pk.attname] = place_of(model, row[model._meta.pk.attname])
        record_model = getattr(model, "instance_type", None)  # a change history's record
        if record_model is not None:
            row["id"] = place_of(record_model, row["id"])
        for generic in model._meta.private_fields:  # generic owners (a link's, an entry's source)
            type_key, id_key = f"{generic.ct_field}_id", generic.fk_field
            if not isinstance(generic, GenericForeignKey) or row.get(type_key) is None:
                continue
            app_label, model_name = row[type_key].split(".")
            owner = ContentType.objects.get_by_natural_key(app_label, model_name).model_class()
            row[id_key] = "the company" if owner is Company else place_of(owner, row[id_key])
        tables.setdefault(entry["table"], []).append(row)
    company = {k: v for k, v in header["company"].items() if k not in ("slug", "name")}
    company["updated_by_id"] = users.get(company.get("updated_by_id"))
    return company, tables


@pytest.fixture
def demo_company(db):
    company = CompanyFactory(name="Northwind Traders", slug="northwind")
    with scopes_disabled():
        MembershipFactory(company=company, role=Membership.Role.OWNER)
        GeneratedDataset.objects.create(company=company, seed=7, counts={"leads": 0})
        # A company's own access levels travel with it (the demo keeps the defaults).
        RoleAccessLevel.objects.create(
            company=company,
            role="salesperson",
            record_type="leads.lead",
            action="edit",
            level="company",
        )
    seed_company(company)
    return company


def test_the_round_trip_compares_equal_row_by_row(demo_company, other_company, tmp_path):
    with scope(company=other_company):
        LeadFactory(company=other_company, last_name="Elsewhere")
    first, second = tmp_path / "northwind.jsonl.gz", tmp_path / "copy.jsonl"
    call_command("export_company", "northwind", str(first))
    lines = _read(first)

    # Every company table is in the file (the demo fills them all), and nothing of another.
    tables_in_file = {entry["table"] for entry in lines if "table" in entry}
    assert tables_in_file == {model._meta.label_lower for model in backed_up_tables()}
    assert "leads.pipelinefigure" not in tables_in_file  # the database keeps it
    assert all(
        entry["row"].get("company_id", demo_company.pk) == demo_company.pk
        for entry in lines
        if "table" in entry
    )
    assert "Elsewhere" not in json.dumps(lines)

    call_command("import_company", str(first), "--slug", "northwind-copy", "--name", "Copy")
    with scopes_disabled():
        copy = Company.objects.get(slug="northwind-copy")
        assert copy.name == "Copy"
        # New ids, the same number of rows.
        assert (
            Lead.objects.filter(company=copy).count()
            == Lead.objects.filter(company=demo_company).count()
        )
        assert not set(Lead.objects.filter(company=copy).values_list("pk", flat=True)) & set(
            Lead.objects.filter(company=demo_company).values_list("pk", flat=True)
        )
        # The imported opportunities rebuilt the copy's pipeline figures, once.
        assert PIPELINE.stored(copy) == pipeline_counted(copy)
        assert PIPELINE.stored(copy)
    call_command("export_company", "northwind-copy", str(second))

    original, copied = canonical(lines), canonical(_read(second))
    assert original[0] == copied[0]  # the company's own fields
    for table, rows in original[1].items():
        for index, (row, copied_row) in enumerate(zip(rows, copied[1][table], strict=True)):
            differing = {key for key in row if row[key] != copied_row.get(key)}
            if table == "leads.webform":
                # The copy lives beside the original: its secret address is its own.
                assert row["key"] != copied_row["key"]
                differing.discard("key")
            if table == "crm.apitoken":
                # Nor do the original's API keys open the copy.
                assert row["prefix"] != copied_row["prefix"]
                differing.discard("prefix")
            assert not differing, (table, index, {k: (row[k], copied_row[k]) for k in differing})


def test_the_copy_works_like_the_original(demo_company, tmp_path, client):
    """Not only equal rows: the copy's pages open, and its members may log in to it."""
    path = tmp_path / "northwind.jsonl"
    call_command("export_company", "northwind", str(path))
    call_command("import_company", str(path), "--slug", "northwind-2")
    with scopes_disabled():
        copy = Company.objects.get(slug="northwind-2")
        owner = Membership.objects.filter(company=copy, role=Membership.Role.OWNER).first().user
        customer = copy_customer = None
        from customers.models import Customer

        copy_customer = Customer.objects.filter(company=copy, parent__isnull=False).first()
        customer = Customer.objects.filter(company=demo_company, name=copy_customer.name).first()
        # The parent points inside the copy, at the same-named customer.
        assert copy_customer.parent.company_id == copy.pk
        assert copy_customer.parent.name == customer.parent.name
    from tests.conftest import login_as

    login_as(client, owner, copy)
    response = client.get(copy_customer.get_absolute_url())
    assert response.status_code == 200
    assert copy_customer.name in response.content.decode()


def test_a_second_import_under_the_same_slug_is_refused_and_writes_nothing(demo_company, tmp_path):
    path = tmp_path / "northwind.jsonl"
    call_command("export_company", "northwind", str(path))
    with scopes_disabled():
        before = Lead.objects.count()
    with pytest.raises(CommandError, match="Nothing was imported.*--slug"):
        call_command("import_company", str(path))
    with scopes_disabled():
        assert Lead.objects.count() == before
        assert Company.objects.filter(slug="northwind").count() == 1


def test_bad_files_are_explained(db, tmp_path):
    not_json = tmp_path / "junk.jsonl"
    not_json.write_text("this is not a backup\n")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_company", str(not_json))
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"format": "something-else"}) + "\n")
    with pytest.raises(CommandError, match="not a company backup"):
        call_command("import_company", str(other))
    with pytest.raises(CommandError, match="There is no file"):
        call_command("import_company", str(tmp_path / "missing.jsonl"))
    with pytest.raises(CommandError, match="no company with the slug"):
        call_command("export_company", "nope", str(tmp_path / "x.jsonl"))
    assert not Company.objects.exists()


def test_a_clashing_account_is_refused(demo_company, tmp_path):
    path = tmp_path / "northwind.jsonl"
    call_command("export_company", "northwind", str(path))
    with scopes_disabled():
        member = Membership.objects.filter(company=demo_company).first().user
    member.email = "someone.else@example.com"
    member.save()
    with pytest.raises(CommandError, match="another e-mail address"):
        call_command("import_company", str(path), "--slug", "northwind-3")
    assert not Company.objects.filter(slug="northwind-3").exists()


def test_a_row_pointing_outside_the_backup_is_refused_and_nothing_is_written(
    demo_company, tmp_path
):
    path = tmp_path / "northwind.jsonl"
    call_command("export_company", "northwind", str(path))
    lines = _read(path)
    for entry in lines:
        if entry.get("table") == "leads.lead" and entry["row"]["source_id"]:
            entry["row"]["source_id"] = 987654321  # a lead source the backup does not hold
            break
    broken = tmp_path / "broken.jsonl"
    broken.write_text("".join(json.dumps(entry) + "\n" for entry in lines))
    with pytest.raises(CommandError, match="points at a missing leads.leadsource row"):
        call_command("import_company", str(broken), "--slug", "northwind-broken")
    assert not Company.objects.filter(slug="northwind-broken").exists()
