"""Report charts: horizontal or grouped bars as inline SVG, in plans/chart.py's house style
(matplotlib's SVG canvas, text kept as text, a <title> and <desc>, a data table on the page)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from functools import lru_cache

from django.utils.html import escape
from matplotlib import rc_context
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

_RC = {"svg.fonttype": "none", "svg.hashsalt": "acuclinic-report", "font.size": 9}
PALETTE = ("#1f5fa8", "#b8560b", "#2e7d32", "#6a3d9a", "#555555")


def bar_chart(
    *,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    unit: str,
    hatched: Sequence[str] = (),
) -> str:
    """Grouped horizontal bars: one group per label, one bar per series (None leaves a gap).
    Series named in `hatched` are drawn hatched (a reference, not the clinic's own figure).

    The SVG is a pure function of these arguments (fixed hash salt, no date), and drawing it costs more
    than the report's reads (≈80 ms of matplotlib layout), so charts of the same figures are drawn once per
    process: the page and its CSV export, or a report opened again, reuse it."""
    return _bar_chart(
        title, description, tuple(labels), tuple((name, tuple(vs)) for name, vs in series), unit, tuple(hatched)
    )


@lru_cache(maxsize=64)
def _bar_chart(
    title: str,
    description: str,
    labels: tuple[str, ...],
    series: tuple[tuple[str, tuple[float | None, ...]], ...],
    unit: str,
    hatched: tuple[str, ...],
) -> str:
    with rc_context(_RC):
        height = max(2.2, 0.9 + 0.32 * max(len(labels), 1) * max(len(series), 1))
        fig = Figure(figsize=(7.2, min(height, 12)), layout="constrained")
        FigureCanvasSVG(fig)
        ax = fig.add_subplot()
        ax.set_xlabel(unit)
        values = [v for _, vs in series for v in vs if v is not None]
        if not labels or not values:
            ax.text(0.5, 0.5, "No data in this range", ha="center", va="center", transform=ax.transAxes)
            ax.set_yticks([])
        else:
            width = 0.8 / len(series)
            for i, (name, vs) in enumerate(series):
                ys = [j + i * width for j, v in enumerate(vs) if v is not None]
                xs = [v for v in vs if v is not None]
                ax.barh(
                    ys,
                    xs,
                    height=width,
                    color=PALETTE[i % len(PALETTE)],
                    hatch="//" if name in hatched else None,
                    edgecolor="white" if name in hatched else None,
                    label=name,
                )
            ax.set_yticks([j + width * (len(series) - 1) / 2 for j in range(len(labels))], labels)
            ax.invert_yaxis()
            ax.axvline(0, color="black", linewidth=0.8)
            if len(series) > 1:
                fig.legend(loc="outside lower center", ncols=min(len(series), 3), frameon=False)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Title": title})
    return _accessible(buffer.getvalue(), title=title, description=description)


def _accessible(svg: str, *, title: str, description: str) -> str:
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<title>.*?</title>", "", svg, count=1, flags=re.S)
    opening = svg[: svg.index(">") + 1]
    labelled = opening[:-1] + ' role="img" aria-labelledby="report-chart-title report-chart-desc" class="report-chart">'
    labelled = re.sub(r'\swidth="[^"]*"', ' width="100%"', labelled, count=1)
    labelled = re.sub(r'\sheight="[^"]*"', "", labelled, count=1)
    head = f'<title id="report-chart-title">{escape(title)}</title>'
    head += f'<desc id="report-chart-desc">{escape(description)}</desc>'
    return labelled + head + svg[len(opening) :]
