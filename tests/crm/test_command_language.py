"""A command run with --company speaks the company's language: its summary, its counts and its
errors read in Bahasa Indonesia for an Indonesian company (and stay English otherwise)."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from leads.models import Lead, Opportunity
from selling.models import Quotation
from tests.factories import LeadFactory, OpportunityStageFactory
from tests.selling.test_commands import quotation_for


def run(command, *args):
    out, err = StringIO(), StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def indonesian(company):
    company.language = "id"
    company.save()
    return company


def test_import_records_sums_up_in_indonesian(indonesian, tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text(
        "last_name,email\nSantoso,ani@example.com\nWijaya,budi@example.com\n", encoding="utf-8"
    )

    _out, err = run("import_records", "--company", indonesian.slug, "--kind", "leads", str(path))

    assert Lead.objects.count() == 2
    assert "2 baris: 2 dibuat, 0 diperbarui, 0 dilewati sebagai duplikat, 0 salah." in err, err
    assert "Mengimpor leads" in err  # the progress bar's label


def test_import_records_refuses_in_indonesian(indonesian, tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text("last_name,email\n,ani@example.com\n", encoding="utf-8")

    with pytest.raises(CommandError) as refused:
        run("import_records", "--company", indonesian.slug, "--kind", "leads", str(path))

    assert str(refused.value) == (
        "1 baris: 0 akan dibuat, 0 akan diperbarui, 0 dilewati sebagai duplikat, 1 salah. "
        "Tidak ada yang ditulis (semua atau tidak sama sekali; lihat --keep-good-rows)."
    )
    assert Lead.objects.count() == 0
    with pytest.raises(CommandError, match="Tidak ada berkas"):
        run("import_records", "--company", indonesian.slug, "--kind", "leads", "missing.csv")


def test_expire_quotations_reports_in_indonesian(indonesian):
    overdue = quotation_for(indonesian, days_left=-2)

    out, err = run("expire_quotations", "--company", indonesian.slug, "--dry-run")

    assert "Uji coba: tidak ada yang diubah." in out
    assert "acme: 1 akan kedaluwarsa" in out and "Akan kedaluwarsa: 1" in out, out
    assert "Mencoba perusahaan" in err
    overdue.refresh_from_db()
    assert overdue.status != Quotation.Status.EXPIRED

    out, _err = run("expire_quotations", "--company", indonesian.slug)

    assert "Penawaran terbuka yang melewati tanggal berlakunya pada" in out
    assert "acme: 1 kedaluwarsa" in out and "Kedaluwarsa: 1" in out, out
    assert "Expired" not in out
    overdue.refresh_from_db()
    assert overdue.status == Quotation.Status.EXPIRED


def test_convert_leads_sums_up_and_refuses_in_indonesian(indonesian):
    OpportunityStageFactory(company=indonesian, name="Prospecting", order=1)
    ani = LeadFactory(company=indonesian, first_name="Ani", status="qualified")

    out, _err = run("convert_leads", "--company", indonesian.slug)

    assert Opportunity.objects.filter(lead=ani).exists()
    # The status by its Indonesian label, not its stored value ("qualified").
    assert "Acme Trading: 1 prospek terkualifikasi telah diperiksa." in out, out
    assert "qualified" not in out
    assert "Dikonversi: 1" in out and "Sudah memiliki peluang: 0" in out and "Ditolak: 0" in out
    assert f"-> peluang #{Opportunity.objects.get(lead=ani).pk}" in out
    with pytest.raises(CommandError, match="Status “bogus” tidak dikenal"):
        run("convert_leads", "--company", indonesian.slug, "--status", "bogus")


def test_verify_figures_agrees_in_indonesian(indonesian):
    quotation_for(indonesian, days_left=5)

    out, _err = run("verify_figures", "--company", indonesian.slug, "--only", "totals")

    assert "Diperiksa: 1 dokumen." in out, out
    assert "Setiap angka tersimpan sesuai dengan sumber turunannya." in out


def test_an_english_company_still_reads_english(company):
    quotation_for(company, days_left=-2)

    out, _err = run("expire_quotations", "--company", company.slug)

    assert "acme: 1 expired" in out and "Expired: 1" in out
    assert "kedaluwarsa" not in out


def test_verify_figures_names_a_difference_in_indonesian(indonesian):
    quotation = quotation_for(indonesian, days_left=5)
    stored = quotation.gross_total
    Quotation.objects.filter(pk=quotation.pk).update(gross_total=stored + Decimal("0.01"))
    out = StringIO()

    with pytest.raises(CommandError) as refused:
        call_command("verify_figures", "--company", indonesian.slug, stdout=out, stderr=StringIO())

    assert str(refused.value) == (
        "1 baris tidak sesuai dengan sumber turunan angkanya: jalankan lagi dengan --fix untuk "
        "memperbaikinya."
    )
    assert f"total bruto: {stored + Decimal('0.01')} tersimpan, {stored} terhitung" in (
        out.getvalue()
    )

    call_command("verify_figures", "--company", indonesian.slug, "--fix", stdout=out)

    assert "Diperbaiki: 1 baris." in out.getvalue()
    quotation.refresh_from_db()
    assert quotation.gross_total == stored
