"""The documentation stays true to the code: generated pages are up to date,
links resolve, and the case studies quote the numbers the package computes."""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

import borderforecast as bf

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
STUDIES = ("summer-2019", "june-2024", "early-2025", "summer-2014")
VERDICTS = (
    "beyond normal seasonality (decline)",
    "beyond normal seasonality (rise)",
    "within normal seasonality",
    "cannot tell",
)

pytestmark = pytest.mark.skipif(not DOCS.is_dir(), reason="docs/ is not beside the tests")


def _script(name: str):
    """Import a script of docs/ (not a package) as a module."""
    path = DOCS / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_bf_docs_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if "_templates" not in p.parts)


def _nav_files(nav) -> list[str]:
    out: list[str] = []
    for item in nav:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            for value in item.values():
                out += _nav_files(value) if isinstance(value, list) else [value]
    return out


# -- generated reference -------------------------------------------------------------------


def test_cli_reference_is_up_to_date() -> None:
    gen = _script("gen_cli")
    committed = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert gen.generate() == committed, "docs/cli.md is stale: run python docs/gen_cli.py"


def test_cli_reference_documents_every_command_and_option() -> None:
    """Checked against the CLI's own --help output, not against the generator."""
    from borderforecast.cli import main

    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    import contextlib
    import io

    def help_of(args: list[str]) -> str:
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            main([*args, "--help"])
        return buf.getvalue()

    root = help_of([])
    commands = ["models", "assess", "backtest", "season", "context", "report", "data"]
    for cmd in commands:
        assert cmd in root
        assert f"`borderforecast {cmd}`" in text, f"no section for borderforecast {cmd}"
        for option in set(re.findall(r"(--[a-z][a-z0-9-]+)", help_of([cmd]))) - {"--help"}:
            assert f"`{option}`" in text, f"{option} of borderforecast {cmd} is not documented"
    for sub in ("build", "update", "list", "revisions"):
        assert f"`borderforecast data {sub}`" in text


# -- site structure ----------------------------------------------------------------------


def test_nav_lists_every_page_and_only_existing_ones() -> None:
    yaml = pytest.importorskip("yaml")
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    nav = _nav_files(config["nav"])
    pages = {p.relative_to(DOCS).as_posix() for p in _pages()}
    assert set(nav) == pages, (
        f"in nav only: {set(nav) - pages}; pages not in nav: {pages - set(nav)}"
    )
    assert len(nav) == len(set(nav))


def test_relative_links_and_images_resolve() -> None:
    link = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
    broken = []
    for page in _pages():
        for target in link.findall(page.read_text(encoding="utf-8")):
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue
            path = target.split("#", 1)[0]
            if not (page.parent / path).exists():
                broken.append(f"{page.relative_to(DOCS)} -> {target}")
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_case_study_figures_are_small_pngs() -> None:
    images = sorted((DOCS / "case-studies" / "img").glob("*.png"))
    assert len(images) >= 5
    for img in images:
        data = img.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", img.name
        assert len(data) < 400_000, f"{img.name} is {len(data):,} bytes"


# -- case studies ----------------------------------------------------------------------------


def test_case_study_script_uses_only_the_public_api() -> None:
    """The script may use ``bf.<name>`` for the documented top-level functions only."""
    tree = ast.parse((DOCS / "case_studies.py").read_text(encoding="utf-8"))
    allowed = {"load", "assess", "find_breaks", "seasonal_profile", "context", "forecast"}
    allowed.add("__version__")
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            assert not node.module.startswith("borderforecast"), f"from {node.module} import"
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("borderforecast"):
                    assert (alias.name, alias.asname) == ("borderforecast", "bf")
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "bf"
        ):
            used.add(node.attr)
    assert used <= allowed, f"non-public names used: {used - allowed}"
    assert {"load", "assess", "seasonal_profile", "context", "forecast"} <= used


def test_number_formatting_of_the_case_studies() -> None:
    cs = _script("case_studies")
    assert cs.fmt_pct(-61.94) == "-61.9%"
    assert cs.fmt_pct(3.04) == "+3.0%"
    assert cs.fmt_count(132856.4) == "132,856"
    assert cs.fmt_p(0.0004) == "< 0.001"
    assert cs.fmt_p(0.1236) == "0.124"
    assert cs.fmt_p(float("nan")) == "n/a"
    table = cs.md_table(
        pd.DataFrame({"n": [1.0, 20000.0]}, index=pd.Index(["a", "b"], name="k")),
        {"n": cs.fmt_count},
    )
    assert table.splitlines() == ["| k | n |", "|---|---|", "| a | 1 |", "| b | 20,000 |"]


@pytest.mark.parametrize("name", STUDIES)
def test_case_study_quotes_the_data(name: str) -> None:
    """Every month in a page's table of values, and every context sentence, matches the data."""
    text = (DOCS / "case-studies" / f"{name}.md").read_text(encoding="utf-8")
    y = bf.load()
    rows = re.findall(r"^\| ([A-Z][a-z]{2} \d{4}) \| ([\d,]+) \| ([+-]\d+\.\d)% \|$", text, re.M)
    assert len(rows) >= 10, "the table of monthly values is missing"
    for label, value, change in rows:
        m = pd.Timestamp(pd.to_datetime(label, format="%b %Y"))
        assert int(value.replace(",", "")) == int(y[m]), label
        prev = y[m - pd.DateOffset(months=1)]
        assert float(change) == pytest.approx(100 * (y[m] / prev - 1), abs=0.051), label
    months = re.findall(r"`bf\.context\(\"(\d{4}-\d{2})\"\)`", text)
    assert months, "the context facts are missing"
    for month in months:
        for sentence in bf.context(month, y).sentences():
            assert f"- {sentence}\n" in text, f"{name}: stale context sentence {sentence!r}"
    verdicts = re.findall(r'^!!! \w+ "Verdict for .*: (.+)"$', text, re.M)
    assert verdicts and set(verdicts) <= set(VERDICTS)


@pytest.mark.slow
def test_summer_2019_page_is_reproduced_by_the_script() -> None:
    """A full rerun of the 2019 study (two assessments, ~20 s) gives the committed page."""
    cs = _script("case_studies")
    committed = (DOCS / "case-studies" / "summer-2019.md").read_text(encoding="utf-8")
    assert cs.render("summer-2019", figures=False) == committed, (
        "docs/case-studies/summer-2019.md is stale: run python docs/case_studies.py"
    )


def test_guides_state_the_default_counterfactual_models() -> None:
    """The order the guides give is the order the code uses."""
    try:
        from borderforecast.assessment.options import DEFAULT_MODELS
    except ImportError:  # before the assess -> assessment rename
        from borderforecast.assessment.options import DEFAULT_MODELS
    for page, lead in (
        ("guide/assessment.md", "The default models, tried in"),
        ("guide/models.md", "the default models, tried in order, are"),
    ):
        text = " ".join((DOCS / page).read_text(encoding="utf-8").split())
        start = text.index(lead)
        sentence = text[start : text.index(":", start) if "models.md" in page else None][:200]
        names = re.findall(r"`(\w+)`", sentence)[: len(DEFAULT_MODELS)]
        assert tuple(names) == tuple(DEFAULT_MODELS), f"{page}: {names} != {DEFAULT_MODELS}"


def test_models_guide_covers_every_model_spec() -> None:
    text = (DOCS / "guide" / "models.md").read_text(encoding="utf-8")
    for name in bf.list_models().index:
        assert f"| `{name}` |" in text, f"model {name!r} is missing from docs/guide/models.md"


@pytest.mark.parametrize("name", STUDIES)
def test_case_study_says_what_the_data_cannot_tell(name: str) -> None:
    text = (DOCS / "case-studies" / f"{name}.md").read_text(encoding="utf-8")
    section = text.split("## What the data can and cannot tell", 1)[-1]
    assert "**It can tell**" in section and "**It cannot tell**" in section
    assert "{{" not in text and "{%" not in text, "unrendered template code"
