"""Study, household and tax-settings YAML: alias bombs, deep nesting and duplicate keys
are refused in one line (issue 14, "Hangs and memory", "Tracebacks", "Accepted silently")."""

from __future__ import annotations

import resource
import time
from pathlib import Path

import pytest
from robust_helpers import one_line_error

from rebal.data.yamlfile import MAX_DEPTH, MAX_VALUES, parse_yaml
from rebal.errors import InputError, shown

REPO = Path(__file__).resolve().parents[2]
STUDY = (REPO / "examples" / "studies" / "default_core.yaml").read_text("utf-8")
HOUSEHOLD = (REPO / "examples" / "households" / "diy_small.yaml").read_text("utf-8")
TAX_HH = (REPO / "examples" / "tax" / "household.yaml").read_text("utf-8")


def bomb(levels: int = 9, width: int = 9) -> str:
    """The "billion laughs": ``a8`` stands for 9**9 (387 million) strings."""
    lines = ["a0: &a0 [" + ",".join(['"lol"'] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("command", "text"), [
    ("compare", bomb() + "title: *a8\n" + STUDY.split("\n", 2)[2]),
    ("plan", bomb() + HOUSEHOLD.replace("name: DIY investor (single)", "name: *a8")),
    ("check", bomb() + HOUSEHOLD.replace("name: DIY investor (single)", "name: *a8")),
])
def test_alias_bomb_refused_fast_and_small(cli, tmp_path, command, text):
    path = tmp_path / "f.yaml"
    path.write_text(text)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    ran = cli(command, str(path))
    assert time.perf_counter() - t0 < 1.0
    # peak memory grew by far less than the 200 MB the issue allows (ru_maxrss is KB)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000
    one_line_error(ran, str(path), "aliases", f"{MAX_VALUES:,}")
    assert len(ran.err) < 400


def test_alias_bomb_in_tax_settings(cli, tmp_path):
    trades = tmp_path / "t.csv"
    trades.write_text((REPO / "examples" / "tax" / "trades.csv").read_text())
    hh = tmp_path / "h.yaml"
    hh.write_text(bomb() + TAX_HH)
    one_line_error(cli("tax", "audit", str(trades), "--household", str(hh)), "aliases")


def test_small_aliases_still_work():
    text = "base: &b {bps: 5}\ncosts: *b\nmore: {<<: *b, fixed: 1}\n"
    assert parse_yaml(text, file="x.yaml") == {
        "base": {"bps": 5}, "costs": {"bps": 5}, "more": {"bps": 5, "fixed": 1}}


def test_just_under_the_value_limit_is_read():
    # 3 levels of 40: 40**3 = 64,000 leaves plus the lists, under 100,000
    text = bomb(levels=3, width=40)
    data = parse_yaml(text, file="x.yaml")
    assert len(data["a2"]) == 40 and len(data["a2"][0]) == 40


@pytest.mark.parametrize("nested", [
    "[" * 5000 + "]" * 5000,
    "{a: " * 3000 + "1" + "}" * 3000,
])
@pytest.mark.parametrize("command", ["compare", "plan"])
def test_deep_nesting_is_one_line(cli, tmp_path, nested, command):
    path = tmp_path / "f.yaml"
    path.write_text(f"title: {nested}\n")
    one_line_error(cli(command, str(path)), str(path), "line 1", f"more than {MAX_DEPTH}")


def test_deep_block_nesting(cli, tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text("".join("  " * i + f"k{i}:\n" for i in range(2000)) + "  " * 2000 + "v\n")
    one_line_error(cli("compare", str(path)), f"line {MAX_DEPTH}", "nested")


def test_deep_json_household(cli, tmp_path):
    path = tmp_path / "h.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    one_line_error(cli("plan", str(path)), str(path), "nested too deeply")


def test_nesting_at_the_limit_is_read():
    text = "x: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n"
    value = parse_yaml(text, file="x.yaml")["x"]
    depth = 0
    while isinstance(value, list):
        depth += 1
        value = value[0] if value else None
    assert depth == MAX_DEPTH - 1


@pytest.mark.parametrize(("command", "base", "old", "new", "key", "lines"), [
    ("compare", STUDY, "costs: {bps: 5}\n", "costs: {bps: 5}\ntarget: {US_MKT: 1}\n",
     "target", (6, 9)),
    ("plan", HOUSEHOLD, "  filing_status: single\n",
     "  filing_status: single\n  filing_status: mfj\n", "filing_status", (8, 9)),
])
def test_duplicate_key_names_both_lines(cli, tmp_path, command, base, old, new, key, lines):
    text = base.replace(old, new, 1)
    first = text.splitlines().index(next(ln for ln in text.splitlines()
                                         if ln.lstrip().startswith(f"{key}:"))) + 1
    second = [i + 1 for i, ln in enumerate(text.splitlines())
              if ln.lstrip().startswith(f"{key}:")][1]
    path = tmp_path / "f.yaml"
    path.write_text(text)
    one_line_error(cli(command, str(path)), f"'{key}' appears twice",
                   f"lines {first} and {second}", f"line {second}")


def test_duplicate_key_in_flow_mapping():
    with pytest.raises(InputError, match=r"x.yaml, line 1, field 'a': key 'a' appears twice"):
        parse_yaml("{a: 1, b: 2, a: 3}", file="x.yaml")


def test_same_key_in_different_mappings_is_fine():
    assert parse_yaml("p: {a: 1}\nq: {a: 2}\n", file="x.yaml") == {"p": {"a": 1}, "q": {"a": 2}}


def test_long_value_is_not_echoed_whole(cli, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(STUDY.replace("initial_usd: 1000000", "initial_usd: " + "9x" * 50_000))
    ran = cli("compare", str(path))
    one_line_error(ran, "initial_usd", "100,000 characters")
    assert len(ran.err) < 400


def test_shown_cuts_and_says_how_long():
    assert shown("abc") == "'abc'"
    assert shown("x" * 1000) == repr("x" * 200) + "… (1,000 characters)"
    assert len(shown(list(range(10**6)))) <= 201


def test_many_values_written_out_are_read():
    """Only what aliases add counts against MAX_VALUES: a big file written out (a household
    with tens of thousands of lots) is read. It was refused as an alias bomb."""
    rows = MAX_VALUES // 3 + 100  # a list and two scalars each: just over the limit
    text = "lots:\n" + "".join(f"- [{i}, {i}.5]\n" for i in range(rows))
    data = parse_yaml(text, file="big.yaml")
    assert len(data["lots"]) == rows and data["lots"][-1] == [rows - 1, rows - 0.5]


def test_aliases_adding_just_over_the_limit_are_refused():
    # one list of MAX_VALUES // 2 values written out, referred to by two aliases: the
    # aliases add 2 x (MAX_VALUES // 2 + 1) values, one more than twice the half
    half = MAX_VALUES // 2
    text = "a: &a [" + ",".join(["0"] * half) + "]\nb: *a\nc: *a\n"
    with pytest.raises(InputError, match=r"expand it by more than 100,000 values") as exc:
        parse_yaml(text, file="x.yaml")
    assert exc.value.row == 3  # the alias that crossed the limit
    assert parse_yaml(text.replace("c: *a\n", ""), file="x.yaml")["b"] == [0] * half
