"""Render the report to ``report.html`` (self-contained: figures as SVG data URIs),
``report.md`` (figures linked) and ``figures/<name>.png|svg``, from the package's
templates. Files are written atomically and reproducibly: only the line starting
``Generated at`` changes between two builds of the same data.
"""

from __future__ import annotations

import base64
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape
from matplotlib.figure import Figure

from .. import plotting
from ..atomic import check_output_folder, write_files

HTML_NAME = "report.html"
MARKDOWN_NAME = "report.md"
FIGURE_DIR = "figures"


@dataclass(frozen=True)
class FigureSpec:
    """A figure of the report with its caption and alternative text."""

    name: str
    figure: Figure
    caption: str
    alt: str


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_count(value: Any) -> str:
    """``12345.6 -> '12,346'``; ``None``/NaN -> an en dash."""
    return "–" if _missing(value) else f"{float(value):,.0f}"


def fmt_signed(value: Any) -> str:
    """``1234 -> '+1,234'``, ``-5 -> '−5'`` (with a true minus sign)."""
    if _missing(value):
        return "–"
    v = round(float(value))
    return f"+{v:,.0f}" if v > 0 else (f"−{abs(v):,.0f}" if v < 0 else "0")


def fmt_pct(value: Any) -> str:
    """A ratio as a signed percentage: ``0.1234 -> '+12.3%'``."""
    if _missing(value):
        return "–"
    v = float(value) * 100
    if round(v, 1) == 0:
        return "0.0%"
    return f"+{v:.1f}%" if v > 0 else f"−{abs(v):.1f}%"


def fmt_share(value: Any, decimals: int = 0) -> str:
    """A ratio as an unsigned percentage: ``0.5 -> '50%'``, ``(0.8987, 1) -> '89.9%'``."""
    return "–" if _missing(value) else f"{float(value) * 100:.{decimals}f}%"


def fmt_number(value: Any, spec: str = "0.00") -> str:
    """Format with a pattern: ``'0.00'`` (2 decimals), ``'0.0'``, ``'0'``, or
    ``'count'``, ``'pct'``, ``'share'``."""
    if spec == "count":
        return fmt_count(value)
    if spec == "pct":
        return fmt_pct(value)
    if spec.startswith("share"):
        return fmt_share(value, int(spec[5:] or 0))
    if _missing(value):
        return "–"
    if isinstance(value, str):
        return value
    decimals = len(spec.split(".")[1]) if "." in spec else 0
    return f"{float(value):,.{decimals}f}"


def _updown(value: Any) -> str:
    if _missing(value) or float(value) == 0:
        return ""
    return "up" if float(value) > 0 else "down"


_MINUS = re.compile(r"(?<![\w.\-])-(?=\d)")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#])")


def minus_signs(text: str) -> str:
    """One minus sign: a hyphen before a number becomes U+2212 (date ranges stay).

    >>> minus_signs("-76.8% and 2000-2024, p = -0.35")
    '−76.8% and 2000-2024, p = −0.35'
    """
    return _MINUS.sub("\u2212", text)


def md_escape(text: str) -> str:
    r"""Text from data (names, labels) made inert in Markdown: no HTML, no links, no emphasis.

    >>> print(md_escape('<img src=x> [click](javascript:alert(1)) *x*'))
    &lt;img src=x&gt; \[click\](javascript:alert(1)) \*x\*
    """
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _strip_number(text: str) -> str:
    """``'3. Seasonal comparison: ...' -> 'Seasonal comparison: ...'``."""
    return re.sub(r"^\d+\.\s+", "", str(text))


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def inert(text: str) -> str:
    """``text`` without control characters (newlines and tabs stay): none reaches a page, a
    terminal or an SVG figure."""
    return _CONTROL.sub("", text)


def inert_figure(fig: Figure) -> Figure:
    """Make :func:`inert` the texts of ``fig`` that can come from data (not tick labels)."""
    from .figures import texts_of

    for t in texts_of(fig):
        if _CONTROL.search(t.get_text()):
            t.set_text(inert(t.get_text()))
    return fig


def _finalizer(kind: str):
    def finalize(value: Any) -> Any:
        if isinstance(value, Markup) or not isinstance(value, str):
            return value
        value = inert(minus_signs(value)).replace(" -> ", " → ")
        return md_escape(value) if kind == "md" else value

    return finalize


def _environment(kind: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_load_template),
        autoescape=(kind == "html"),
        finalize=_finalizer(kind),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters.update(count=fmt_count, signed=fmt_signed, pct=fmt_pct, share=fmt_share,
                       fmt=fmt_number, updown=_updown, strip_number=_strip_number)  # fmt: skip
    return env


def _load_template(name: str) -> str:
    folder = resources.files("borderforecast.reporting").joinpath("templates")
    return folder.joinpath(name).read_text("utf-8")


def _data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def render(
    kind: str,
    sections: Mapping[str, Any],
    meta: Mapping[str, Any],
    figures: Mapping[str, FigureSpec],
    svgs: Mapping[str, bytes],
) -> str:
    """Render the HTML (``kind='html'``) or Markdown (``kind='md'``) report as text."""
    if kind not in ("html", "md"):
        raise ValueError(f"kind must be 'html' or 'md', not {kind!r}")
    env = _environment(kind)

    def fig(name: str) -> str:
        if name not in figures:
            raise KeyError(f"the report template asks for figure {name!r}, which was not drawn")
        spec = figures[name]
        if kind == "md":
            return Markup(
                f"![{md_escape(spec.alt)}]({FIGURE_DIR}/{name}.png)\n\n"
                f"*{md_escape(minus_signs(spec.caption))}*"
            )
        return Markup(
            f'<figure id="fig-{escape(name)}"><img src="{_data_uri(svgs[name])}" '
            f'alt="{escape(spec.alt)}">'
            f"<figcaption>{escape(spec.caption)} "
            f'(<a href="{FIGURE_DIR}/{escape(name)}.png">PNG</a>, '
            f'<a href="{FIGURE_DIR}/{escape(name)}.svg">SVG</a>)</figcaption></figure>'
        )

    template = env.get_template(f"report.{kind}.j2")
    text = template.render(s=sections, meta=meta, fig=fig)
    if kind == "md":
        while "\n\n\n" in text:
            text = text.replace("\n\n\n", "\n\n")
    return text


def render_figure(fig: Figure) -> tuple[bytes, bytes]:
    """``(png, svg)`` bytes of ``fig``, laid out once (for the PNG)."""
    png = plotting.figure_bytes(fig, "png")
    if fig.get_layout_engine() is not None:  # the layout is done: keep it for SVG
        fig.set_layout_engine("none")
    return png, plotting.figure_bytes(fig, "svg")


def _rendered(figures: Mapping[str, FigureSpec], jobs: int) -> dict[str, tuple[bytes, bytes]]:
    """Every figure's ``(png, svg)``: from the one cache when the same figure was drawn
    before (key: :func:`~borderforecast.plotting.figure_digest` and the drawing code), else
    drawn in ``jobs`` processes and stored."""
    from ..backtesting.engines import parallel_map
    from ..cache import Cache, code_fingerprint, make_key

    store, code = Cache("figures"), code_fingerprint(__name__, "borderforecast.reporting.figures")
    out: dict[str, tuple[bytes, bytes]] = {}
    keys: dict[str, str] = {}
    for name, spec in figures.items():
        digest = plotting.figure_digest(inert_figure(spec.figure))
        if digest is None:
            continue
        keys[name] = make_key("figure", digest=digest, code=code)
        png, svg = (store.get_bytes(f"{keys[name]}{ext}", code) for ext in ("png", "svg"))
        if png is not None and svg is not None:
            out[name] = (png, svg)
    todo = [name for name in figures if name not in out]
    drawn = parallel_map(render_figure, [figures[n].figure for n in todo], "processes", jobs)
    for name, pair in zip(todo, drawn, strict=True):
        out[name] = pair
        for ext, data in zip(("png", "svg"), pair, strict=True):
            if name in keys:
                store.put_bytes(f"{keys[name]}{ext}", data, code)
    return {name: out[name] for name in figures}


def write_report(
    out: Path,
    sections: Mapping[str, Any],
    meta: Mapping[str, Any],
    figures: Mapping[str, FigureSpec],
    home: str | os.PathLike[str] | None = None,
    jobs: int = 1,
) -> tuple[Path, Path, dict[str, list[Path]]]:
    """Write the figures, ``report.html`` and ``report.md`` into ``out``
    (:func:`borderforecast.atomic.write_files`: the last run's own files are replaced at
    once); ``jobs`` processes draw the figures. Returns ``(html, md, {name: [png, svg]})``.
    """
    out = Path(out)
    check_output_folder(out, home)
    files: dict[str, bytes] = {}
    svgs: dict[str, bytes] = {}
    for name, (png, svg) in _rendered(figures, jobs).items():
        files[f"{FIGURE_DIR}/{name}.png"] = png
        svgs[name] = files[f"{FIGURE_DIR}/{name}.svg"] = svg
    files[HTML_NAME] = render("html", sections, meta, figures, svgs).encode("utf-8")
    files[MARKDOWN_NAME] = render("md", sections, meta, figures, svgs).encode("utf-8")
    write_files(out, files, "report", home)
    paths = {n: [out / FIGURE_DIR / f"{n}.{ext}" for ext in ("png", "svg")] for n in figures}
    return out / HTML_NAME, out / MARKDOWN_NAME, paths
