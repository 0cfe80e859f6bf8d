"""manage.py convert_leads, and the progress bar it draws."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.core.management.base import OutputWrapper
from django_scopes import scopes_disabled

from crm.access import Action, Level
from crm.access.services import role_access_levels_save
from crm.models import Membership, SystemEvent
from crm.progress import ProgressBar
from leads.models import Lead, Opportunity
from leads.services import lead_convert_to_opportunity
from tests.factories import (
    LeadFactory,
    LostReasonFactory,
    MembershipFactory,
    OpportunityStageFactory,
    SalespersonFactory,
    WishListItemFactory,
)


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("convert_leads", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def stage(company):
    return OpportunityStageFactory(company=company, name="Prospecting", order=1)


@pytest.fixture
def leads(company, stage):
    """Two qualified leads to convert, one already converted, one new (not matched)."""
    ada = LeadFactory(company=company, first_name="Ada", status="qualified")
    bob = LeadFactory(company=company, first_name="Bob", status="qualified")
    WishListItemFactory(company=company, lead=ada)
    done = LeadFactory(company=company, first_name="Cyd", status="qualified")
    existing = lead_convert_to_opportunity(lead=done, actor=None)
    # A qualified lead that already has an opportunity (its status was set back by hand).
    Lead.objects.filter(pk=done.pk).update(status="qualified")
    LeadFactory(company=company, first_name="Dan", status="new")
    return ada, bob, done, existing


def test_converts_every_matching_lead_and_sums_up(company, leads):
    ada, bob, done, existing = leads

    out, err = run("--company", company.slug)

    assert Opportunity.objects.count() == 3
    assert Opportunity.objects.get(lead=ada).wish_list.count() == 1
    assert set(Lead.objects.filter(status="converted").values_list("first_name", flat=True)) == {
        "Ada",
        "Bob",
    }
    assert not Lead.objects.filter(first_name="Dan", opportunity__isnull=False).exists()
    assert "Acme Trading: 3 qualified leads looked at." in out
    assert "Converted: 2" in out
    assert f"  #{ada.pk} {ada} -> opportunity #{Opportunity.objects.get(lead=ada).pk}" in out
    assert "Already had an opportunity: 1" in out
    assert f"  #{done.pk} {done} -> opportunity #{existing.pk}" in out
    assert "Refused: 0" in out
    # The system did it: the timeline events have no author.
    assert not SystemEvent.objects.filter(author__isnull=False).exists()
    # The progress bar goes to stderr, from 0 to the end.
    assert err.splitlines()[0] == f"Converting leads [{'-' * 30}] 0/3   0%"
    assert err.splitlines()[-1] == f"Converting leads [{'#' * 30}] 3/3 100%"


def test_a_refused_lead_is_reported_and_the_rest_go_on(company, stage):
    reason = LostReasonFactory(company=company)
    lost = LeadFactory(company=company, first_name="Lost", status="lost", lost_reason=reason)
    fine = LeadFactory(company=company, first_name="Fine", status="lost", lost_reason=reason)

    out, _err = run("--company", company.slug, "--status", "lost")

    # Lost leads are refused by the service, each with its reason; nothing is half done.
    assert "Converted: 0" in out
    assert "Refused: 2" in out
    assert (
        f"  #{lost.pk} {lost}: {lost} was marked lost: reopen the lead before converting it." in out
    )
    assert f"  #{fine.pk} {fine}:" in out
    assert not Opportunity.objects.exists()


def test_a_failure_midway_keeps_the_good_conversions(company, stage, monkeypatch):
    from leads import services

    first = LeadFactory(company=company, first_name="First", status="qualified")
    second = LeadFactory(company=company, first_name="Second", status="qualified")
    third = LeadFactory(company=company, first_name="Third", status="qualified")
    real = services.lead_convert_to_opportunity

    def flaky(*, lead, actor):
        if lead.pk == second.pk:
            # Write something first: the refusal must roll back this lead's transaction.
            Lead.objects.filter(pk=lead.pk).update(notes="half done")
            raise services.DomainError("Second is not ready.")
        return real(lead=lead, actor=actor)

    monkeypatch.setattr(
        "leads.management.commands.convert_leads.lead_convert_to_opportunity", flaky
    )
    out, _err = run("--company", company.slug)

    assert "Converted: 2" in out
    assert f"  #{second.pk} {second}: Second is not ready." in out
    assert set(Opportunity.objects.values_list("lead_id", flat=True)) == {first.pk, third.pk}
    second.refresh_from_db()
    assert second.notes != "half done"
    assert second.status == "qualified"


def test_dry_run_changes_nothing_and_says_what_would_happen(company, leads):
    ada, bob, done, existing = leads
    before = (
        Opportunity.objects.count(),
        SystemEvent.objects.count(),
        list(Lead.objects.order_by("pk").values_list("status", flat=True)),
    )

    out, err = run("--company", company.slug, "--dry-run")

    after = (
        Opportunity.objects.count(),
        SystemEvent.objects.count(),
        list(Lead.objects.order_by("pk").values_list("status", flat=True)),
    )
    assert after == before
    assert out.startswith("Dry run: nothing was changed.")
    assert "Would convert: 2" in out
    assert f"  #{ada.pk} {ada} -> a new opportunity" in out
    assert "Already had an opportunity: 1" in out
    assert err.splitlines()[-1].startswith("Trying leads [")


def test_dry_run_reports_refusals_too(company):
    LeadFactory(company=company, first_name="Ada", status="qualified")
    out, _err = run("--company", company.slug, "--dry-run")
    assert "Refused: 1" in out
    assert "no open opportunity stage yet" in out


def test_limit_takes_the_oldest_first(company, stage):
    first, second, _third = LeadFactory.create_batch(3, company=company, status="qualified")
    out, _err = run("--company", company.slug, "--limit", "2")
    assert set(Opportunity.objects.values_list("lead_id", flat=True)) == {first.pk, second.pk}
    assert "Converted: 2" in out


def test_nothing_to_do_is_said_plainly(company, stage):
    out, err = run("--company", company.slug)
    assert "0 qualified leads looked at." in out
    assert "Converted: 0" in out
    assert err.strip() == f"Converting leads [{'#' * 30}] 0/0 100%"


def test_only_the_named_companys_leads(company, other_company, stage):
    with scopes_disabled():
        OpportunityStageFactory(company=other_company)
        theirs = LeadFactory(company=other_company, status="qualified")
    LeadFactory(company=company, status="qualified")
    run("--company", company.slug)
    with scopes_disabled():
        theirs.refresh_from_db()
        assert theirs.status == "qualified"
        assert Opportunity.objects.filter(company=other_company).count() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--company", "nope"], "No company with the slug “nope”."),
        (
            ["--company", "acme", "--status", "hot"],
            "Unknown status “hot”: use one of new, contacted, qualified, converted, lost.",
        ),
        (["--company", "acme", "--limit", "0"], "--limit must be a whole number above 0"),
        (["--company", "acme", "--limit", "many"], "--limit must be a whole number above 0"),
    ],
)
def test_bad_arguments_are_clear_errors(company, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_the_company_is_required(company):
    with pytest.raises(CommandError, match="--company"):
        run()


# --- the progress bar -------------------------------------------------------------------------


def test_a_log_gets_a_line_per_tenth():
    stream = io.StringIO()
    with ProgressBar(total=20, stream=stream, label="Importing") as bar:
        for _ in range(20):
            bar.advance()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 11  # 0 %, 10 %, ..., 100 %
    assert lines[1] == f"Importing [{'#' * 3}{'-' * 27}]  2/20  10%"
    assert lines[-1] == f"Importing [{'#' * 30}] 20/20 100%"


def test_a_terminal_gets_one_line_redrawn():
    stream = io.StringIO()
    bar = ProgressBar(total=3, stream=stream, interactive=True)
    bar.redraw_interval = 0
    with bar:
        for _ in range(3):
            bar.advance()
    text = stream.getvalue()
    assert text.count("\r") == 4 and text.endswith("3/3 100%\n")
    assert text.count("\n") == 1


def test_a_commands_stderr_is_written_plain():
    """Django's OutputWrapper would end each write with a newline and colour it as an error."""
    raw = io.StringIO()
    wrapper = OutputWrapper(raw)
    wrapper.style_func = lambda text: f"<red>{text}</red>"
    bar = ProgressBar(total=2, stream=wrapper, interactive=True)
    bar.redraw_interval = 0
    with bar:
        bar.advance(2)
    assert "<red>" not in raw.getvalue()
    assert raw.getvalue().count("\n") == 1


def test_as_a_member_converts_only_what_their_level_reaches_and_names_them(
    company, other_company, stage
):
    owner = MembershipFactory(company=company, role=Membership.Role.OWNER).user
    sam = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
    sams = SalespersonFactory(company=company, user=sam, name="Sam")
    danas = SalespersonFactory(company=company, name="Dana")
    role_access_levels_save(
        company=company,
        levels={("leads.lead", Action.CONVERT, Membership.Role.SALESPERSON): Level.OWN},
        actor=owner,
    )
    mine = LeadFactory(company=company, first_name="Mine", status="qualified", salesperson=sams)
    LeadFactory(company=company, first_name="Hers", status="qualified", salesperson=danas)

    out, _ = run("--company", company.slug, "--as", sam.email.upper())

    assert list(Opportunity.objects.values_list("lead__first_name", flat=True)) == ["Mine"]
    assert f"1 qualified lead that {sam.email} may convert looked at." in out
    with scopes_disabled():
        event = SystemEvent.objects.filter(company=company).order_by("-pk").first()
    assert event.author_id == sam.pk, event
    assert Lead.objects.get(pk=mine.pk).status == "converted"

    stranger = MembershipFactory(company=other_company, role=Membership.Role.OWNER).user
    for email in (stranger.email, "nobody@example.com"):
        with pytest.raises(CommandError, match="not an active member"):
            run("--company", company.slug, "--as", email)
    assert Opportunity.objects.count() == 1
