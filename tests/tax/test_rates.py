"""Parameter files: shape, validation errors, the TAX_RULES.md §4 tables, and taxcalc."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from rebal.errors import ConfigError, InputError
from rebal.tax.rates import available_years, load_params
from rebal.types import FilingStatus

# TAX_RULES.md §4.2 (ordinary upper bounds), §4.1 (0% top, 15% top), §4.3 (std deduction),
# typed from the document: (single, mfj, mfs, hoh).
ORDINARY = {
    2024: ((11_600, 47_150, 100_525, 191_950, 243_725, 609_350),
           (23_200, 94_300, 201_050, 383_900, 487_450, 731_200),
           (11_600, 47_150, 100_525, 191_950, 243_725, 365_600),
           (16_550, 63_100, 100_500, 191_950, 243_700, 609_350)),
    2025: ((11_925, 48_475, 103_350, 197_300, 250_525, 626_350),
           (23_850, 96_950, 206_700, 394_600, 501_050, 751_600),
           (11_925, 48_475, 103_350, 197_300, 250_525, 375_800),
           (17_000, 64_850, 103_350, 197_300, 250_500, 626_350)),
    2026: ((12_400, 50_400, 105_700, 201_775, 256_225, 640_600),
           (24_800, 100_800, 211_400, 403_550, 512_450, 768_700),
           (12_400, 50_400, 105_700, 201_775, 256_225, 384_350),
           (17_700, 67_450, 105_700, 201_750, 256_200, 640_600)),
}
LTCG = {
    2024: ((47_025, 518_900), (94_050, 583_750), (47_025, 291_850), (63_000, 551_350)),
    2025: ((48_350, 533_400), (96_700, 600_050), (48_350, 300_000), (64_750, 566_700)),
    2026: ((49_450, 545_500), (98_900, 613_700), (49_450, 306_850), (66_200, 579_600)),
}
STD = {2024: (14_600, 29_200, 14_600, 21_900), 2025: (15_750, 31_500, 15_750, 23_625),
       2026: (16_100, 32_200, 16_100, 24_150)}
STATUSES = (FilingStatus.SINGLE, FilingStatus.MFJ, FilingStatus.MFS, FilingStatus.HOH)
PARAMS_DIR = Path(__file__).resolve().parents[2] / "src" / "rebal" / "tax" / "params"


def test_shipped_years() -> None:
    assert available_years()[:3] == (2024, 2025, 2026)


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_tables_match_tax_rules_doc(year: int) -> None:
    params = load_params(year)
    for i, status in enumerate(STATUSES):
        p = params[status]
        assert p.ordinary_upper_bounds == ORDINARY[year][i]
        assert (p.ltcg_zero_top, p.ltcg_fifteen_top) == LTCG[year][i]
        assert p.standard_deduction == STD[year][i]
        assert p.ordinary_rates == (0.10, 0.12, 0.22, 0.24, 0.32, 0.35, 0.37)
        assert p.ltcg_rates == (0.0, 0.15, 0.20)
        assert p.niit_rate == 0.038
        assert p.capital_loss_limit == (1_500 if status is FilingStatus.MFS else 3_000)
    assert [params[s].niit_threshold for s in FilingStatus] == [
        200_000, 250_000, 125_000, 200_000, 250_000]
    # QSS uses the MFJ schedule and amounts (§1(a)).
    mfj, qss = params[FilingStatus.MFJ], params[FilingStatus.QSS]
    for field in ("ordinary_upper_bounds", "standard_deduction", "ltcg_zero_top",
                  "ltcg_fifteen_top", "niit_threshold", "amt_exemption", "amt_phaseout_start"):
        assert getattr(mfj, field) == getattr(qss, field)
    assert any("Rev. Proc." in s for s in params.sources)


def test_unknown_year_lists_available() -> None:
    with pytest.raises(ConfigError, match=r"tax year 2031 .*available years: 2024, 2025, 2026"):
        load_params(2031)


def _broken_copy(tmp_path: Path, edit) -> Path:
    shutil.copy(PARAMS_DIR / "2025.json", tmp_path / "2025.json")
    raw = json.loads((tmp_path / "2025.json").read_text())
    edit(raw)
    (tmp_path / "2025.json").write_text(json.dumps(raw))
    return tmp_path


def test_malformed_file_names_file_and_field(tmp_path: Path) -> None:
    def drop_hoh(raw):
        del raw["standard_deduction"]["hoh"]

    folder = _broken_copy(tmp_path, drop_hoh)
    with pytest.raises(InputError, match=r"2025\.json.*standard_deduction\.hoh.*missing"):
        load_params(2025, folder)


def test_non_increasing_brackets_rejected(tmp_path: Path) -> None:
    def swap(raw):
        raw["ordinary_brackets"]["upper_bounds"]["single"][1] = 1_000

    folder = _broken_copy(tmp_path, swap)
    with pytest.raises(InputError, match=r"upper_bounds\.single.*increasing"):
        load_params(2025, folder)


def test_wrong_year_inside_file(tmp_path: Path) -> None:
    def relabel(raw):
        raw["year"] = 2024

    with pytest.raises(InputError, match="year"):
        load_params(2025, _broken_copy(tmp_path, relabel))


def test_bad_json(tmp_path: Path) -> None:
    (tmp_path / "2030.json").write_text("{ not json")
    with pytest.raises(InputError, match=r"2030\.json"):
        load_params(2030, tmp_path)


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_every_value_matches_taxcalc_policy(year: int) -> None:
    taxcalc = pytest.importorskip("taxcalc")
    pol = taxcalc.Policy()
    pol.set_year(year)
    params = load_params(year)
    for i, status in enumerate(FilingStatus):  # taxcalc order: single, mfj, mfs, hoh, widow
        p = params[status]
        for k in range(6):
            assert p.ordinary_upper_bounds[k] == getattr(pol, f"II_brk{k + 1}")[0][i]
        assert p.ordinary_rates == tuple(getattr(pol, f"II_rt{k + 1}")[0] for k in range(7))
        assert p.standard_deduction == pol.STD[0][i]
        assert p.ltcg_zero_top == pol.CG_brk1[0][i] and p.ltcg_fifteen_top == pol.CG_brk2[0][i]
        assert p.niit_threshold == pol.NIIT_thd[0][i] and p.niit_rate == pol.NIIT_rt[0]
        assert p.capital_loss_limit == pol.Capital_loss_limitation[0][i]
        assert p.amt_exemption == pol.AMT_em[0][i]
        assert p.amt_phaseout_start == pol.AMT_em_ps[0][i]
        assert p.amt_phaseout_rate == pol.AMT_prt[0]
        assert p.amt_rate_break == pol.AMT_brk1[0][i]
