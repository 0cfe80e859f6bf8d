"""PostgreSQL row-level security: the second wall between companies, under the ORM's scopes.

Every company-owned table (``crm.tenancy.company_tables``: found from the models, so a new table
is covered at the next ``migrate``) gets one policy: a row is visible and writable only while
the session's ``crm.company_id`` names its company. A polymorphic subtype's table, which has no
company column, follows its parent row. Membership rows are also readable by their own user (the
company switcher lists a person's companies), but written only in the active company. With no
company set, the policy matches nothing: it fails closed.

Who is subject to it: the app's database role (``DATABASE_APP_ROLE``, default ``crm_app``),
which ``migrate`` creates (without a login; an operator gives it one) and grants the tables to.
Table owners and superusers bypass row-level security: migrations, ``seed_demo``,
``generate_data``, backups and every other cross-company command run as the owner, explicitly.
The web process connects as the app role; ``CompanyScopeMiddleware`` then sets the user and the
company for each request (``activate``), and a job run as the app role does the same. Whether a
connection is subject to the policies is read once when it opens (``rls_enforced``), so the
owner's connections pay nothing.

SQLite has no row-level security: there the django-scopes scopes are the only wall.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from crm.models import Company, Membership
from crm.tenancy import company_tables

COMPANY_SETTING = "crm.company_id"
USER_SETTING = "crm.user_id"
POLICY = "company_isolation"
POLICY_NAMES = [POLICY] + [
    f"{POLICY}_{command}" for command in ("select", "insert", "update", "delete")
]
ADMIN_ANYWHERE = "crm_is_admin_anywhere"
IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
CURRENT_COMPANY = f"NULLIF(current_setting('{COMPANY_SETTING}', true), '')::bigint"
CURRENT_USER = f"NULLIF(current_setting('{USER_SETTING}', true), '')::bigint"


# Questions across companies that the app role may ask but not answer row by row (who has a
# portal login with this e-mail: the sign-in comes before any company is known). Apps register
# them; ``migrate`` makes each a SECURITY DEFINER function crm_<name>(text) -> company ids.
_COMPANY_LOOKUPS: dict[str, tuple[str, str, str]] = {}


def register_company_lookup(name: str, *, model: str, column: str, where: str = "") -> None:
    """Let the app role ask which companies have a ``model`` row whose ``column`` equals a
    value (and, if given, that pass the SQL condition ``where`` on the same row)."""
    if not IDENTIFIER.fullmatch(name) or not IDENTIFIER.fullmatch(column):
        raise ImproperlyConfigured(f"{name}/{column} must be plain names.")
    _COMPANY_LOOKUPS[name] = (model, column, where)


def companies_where(name: str, value: str, *, using: str = "default") -> list[int] | None:
    """The companies the registered lookup ``name`` finds for ``value``, asked of the database
    where the policies apply (None where they do not: the ORM may read across companies)."""
    if not is_enforced(using):
        return None
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT * FROM crm_{name}(%s)", [value])
        return [row[0] for row in cursor.fetchall()]


def _lookup_statements(quote, role: str) -> list[str]:
    from django.apps import apps

    statements = []
    for name, (model_label, column, where) in _COMPANY_LOOKUPS.items():
        table = quote(apps.get_model(model_label)._meta.db_table)
        condition = f" AND ({where})" if where else ""
        statements += [
            f"""CREATE OR REPLACE FUNCTION crm_{name}(wanted text)
                RETURNS SETOF bigint LANGUAGE sql STABLE SECURITY DEFINER
                SET search_path = public AS
                $$ SELECT DISTINCT company_id FROM {table}
                   WHERE {quote(column)} = wanted{condition} $$""",
            f"GRANT EXECUTE ON FUNCTION crm_{name}(text) TO {role}",
        ]
    return statements


def app_role() -> str:
    role = getattr(settings, "DATABASE_APP_ROLE", "crm_app")
    if not IDENTIFIER.fullmatch(role):
        raise ImproperlyConfigured(f"DATABASE_APP_ROLE must be a plain name, not {role!r}.")
    return role


def _conditions(model, quote) -> tuple[str, str]:
    """(which rows may be read, which written) in the model's own table."""
    table = quote(model._meta.db_table)
    if any(f.name == "company" for f in model._meta.local_concrete_fields):
        write = f"company_id = {CURRENT_COMPANY}"
        read = write
        if model is Membership:
            read = f"({write} OR user_id = {CURRENT_USER})"
        return read, write
    # A subtype's table: its row belongs to the parent row's company.
    parent = next(iter(model._meta.parents))
    link = model._meta.pk.column
    parent_table = quote(parent._meta.db_table)
    parent_pk = quote(parent._meta.pk.column)
    condition = (
        f"EXISTS (SELECT 1 FROM {parent_table} parent "
        f"WHERE parent.{parent_pk} = {table}.{quote(link)})"
    )
    return condition, condition


def _policies(table: str, *, read: str, write: str, insert: str | None = None) -> list[str]:
    """One policy for every command where reading and writing are the same rows; else one per
    command, so rows that may be read (one's own memberships elsewhere) cannot be changed."""
    statements = [f"DROP POLICY IF EXISTS {name} ON {table}" for name in POLICY_NAMES]
    if read == write and insert is None:
        return [
            *statements,
            f"CREATE POLICY {POLICY} ON {table} USING ({read}) WITH CHECK ({write})",
        ]
    return [
        *statements,
        f"CREATE POLICY {POLICY}_select ON {table} FOR SELECT USING ({read})",
        f"CREATE POLICY {POLICY}_insert ON {table} FOR INSERT WITH CHECK ({insert or write})",
        f"CREATE POLICY {POLICY}_update ON {table} FOR UPDATE USING ({write}) WITH CHECK ({write})",
        f"CREATE POLICY {POLICY}_delete ON {table} FOR DELETE USING ({write})",
    ]


def policy_statements(connection: BaseDatabaseWrapper) -> list[str]:
    quote = connection.ops.quote_name
    name = app_role()
    role = quote(name)
    memberships = quote(Membership._meta.db_table)
    statements = [
        # Made only if missing (an operator may have made it, and the owner may not be allowed
        # to make roles); roles are per cluster, so two test databases may race to make it.
        f"""DO $$ BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{name}') THEN
                CREATE ROLE {role} NOLOGIN;
              END IF;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
            END $$""",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        # The import stages its rows in a temporary table (COPY into a table under the
        # policies is refused): granted in case PUBLIC's default right was taken away.
        f"GRANT TEMPORARY ON DATABASE {quote(connection.settings_dict['NAME'])} TO {role}",
        # Whether someone is an owner or admin in any company (who may open the Django admin):
        # a question across companies that the app role may ask but not answer row by row.
        f"""CREATE OR REPLACE FUNCTION {ADMIN_ANYWHERE}(person bigint, roles text[])
            RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
            $$ SELECT EXISTS (SELECT 1 FROM {memberships}
                              WHERE user_id = person AND role = ANY(roles)) $$""",
        f"GRANT EXECUTE ON FUNCTION {ADMIN_ANYWHERE}(bigint, text[]) TO {role}",
        *_lookup_statements(quote, role),
    ]
    # The companies themselves: one's own, and the ones one is a member of (the switcher);
    # only the active one may be changed. New companies are made by commands, as the owner.
    companies = quote(Company._meta.db_table)
    statements += [
        f"ALTER TABLE {companies} ENABLE ROW LEVEL SECURITY",
        *_policies(
            companies,
            read=f"(id = {CURRENT_COMPANY} OR id IN (SELECT company_id FROM {memberships} "
            f"WHERE user_id = {CURRENT_USER}))",
            write=f"id = {CURRENT_COMPANY}",
            insert="false",
        ),
    ]
    for model in company_tables():
        table = quote(model._meta.db_table)
        read, write = _conditions(model, quote)
        statements += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            *_policies(table, read=read, write=write),
        ]
    return statements


def apply_policies(*, using: str = "default") -> None:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    # In one transaction: no moment in which a table has row-level security and no policy.
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for statement in policy_statements(connection):
            cursor.execute(statement)


def is_admin_anywhere(*, user_id: int, roles, using: str = "default") -> bool | None:
    """Whether the user has one of ``roles`` in any company, asked of the database function
    when the policies apply to this connection (None: they do not; ask the ORM)."""
    if not is_enforced(using):
        return None
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT {ADMIN_ANYWHERE}(%s, %s)", [user_id, list(roles)])
        return bool(cursor.fetchone()[0])


def on_post_migrate(sender, *, using: str = "default", plan=None, **kwargs) -> None:
    """After ``migrate`` (a ``flush`` sends no plan: its tables and policies stay as they were)."""
    if plan is None:
        return
    apply_policies(using=using)


def note_enforcement(sender, connection: BaseDatabaseWrapper, **kwargs) -> None:
    """Read once per connection whether the policies apply to it (the app role) or not (an
    owner or superuser), so only the app role's requests set the company."""
    if connection.vendor != "postgresql":
        connection.rls_enforced = False
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT NOT (r.rolsuper OR r.rolbypassrls)
                      AND NOT EXISTS (SELECT 1 FROM pg_tables
                                      WHERE tablename = 'crm_company' AND tableowner = current_user)
               FROM pg_roles r WHERE r.rolname = current_user"""
        )
        row = cursor.fetchone()
    connection.rls_enforced = bool(row and row[0])


def is_enforced(using: str = "default") -> bool:
    return getattr(connections[using], "rls_enforced", False)


def activate(*, user_id: int | None, company_id: int | None, using: str = "default") -> None:
    """Tell the database whose request this is (a no-op where no policy applies)."""
    connection = connections[using]
    if not is_enforced(using):
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config(%s, %s, false), set_config(%s, %s, false)",
            [
                USER_SETTING,
                "" if user_id is None else str(user_id),
                COMPANY_SETTING,
                "" if company_id is None else str(company_id),
            ],
        )
