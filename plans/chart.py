"""The progress chart: leg pain, back pain and the function index across the plan, as inline SVG.

Drawn on the server with matplotlib's SVG canvas (no Agg, no JavaScript). Pain (0-10) is on the left
axis and the function index (0-100) on the right; goals are dashed target lines; a star marks a
score whose change from baseline is meaningful. The page puts the same numbers in a table, and the
SVG carries a <title> and <desc> for screen readers.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from django.utils.html import escape
from matplotlib import rc_context
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

from .progress import Series, timeline, x_positions

COLOURS = {
    "leg_pain_average": "#1f5fa8",
    "back_pain_average": "#b8560b",
    "function_index": "#2e7d32",
    "leg_pain_visit": "#1f5fa8",
    "back_pain_visit": "#b8560b",
}
# Visit scores (pain on arrival) are dotted in the same colour as the weekly average they sit beside.
STYLES = {
    "leg_pain_average": "-o",
    "back_pain_average": "-s",
    "function_index": "-^",
    "leg_pain_visit": ":D",
    "back_pain_visit": ":v",
}
_RC = {
    "svg.fonttype": "none",  # text stays text: smaller, selectable, readable by assistive tech
    "svg.hashsalt": "acuclinic-progress",  # stable ids, so the same data gives the same markup
    "font.size": 9,
}


def describe(series: Sequence[Series]) -> str:
    parts = []
    for s in series:
        if not s.points:
            continue
        text = f"{s.measure.label}: {s.points[0].value:g} at baseline"
        if len(s.points) > 1:
            last = s.points[-1]
            text += f", {last.value:g} at the latest check-in"
            if last.meaningful:
                text += " (a meaningful improvement)"
        if s.goal is not None:
            text += f"; goal {s.goal:g} or less"
        parts.append(text)
    return ". ".join(parts) + "." if parts else "No scores have been recorded yet."


def render_svg(series: Sequence[Series], *, title: str = "Scores across the plan") -> str:
    """Inline <svg> markup (no XML prolog) for the page. Works for 0, 1 or many points."""
    moments = timeline(series)
    xpos = x_positions(series)
    with rc_context(_RC):
        fig = Figure(figsize=(7.2, 3.4), layout="constrained")
        FigureCanvasSVG(fig)
        pain = fig.add_subplot()
        function = pain.twinx()
        pain.set_ylim(-0.3, 10.3)
        function.set_ylim(-3, 103)
        pain.set_ylabel("Pain (0–10, lower is better)")
        function.set_ylabel("Function index (0–100, lower is better)")
        if not moments:
            pain.text(0.5, 0.5, "No scores yet", ha="center", va="center", transform=pain.transAxes)
            pain.set_xticks([])
        else:
            pain.set_xlim(-0.5, max(len(moments) - 0.5, 0.5))
            pain.set_xticks(range(len(moments)), moments)
        marked = False
        for s in series:
            ax = function if s.measure.key == "function_index" else pain
            colour = COLOURS[s.measure.key]
            if s.points:
                xs = [xpos[(s.measure.key, i)] for i in range(len(s.points))]
                ax.plot(xs, [p.value for p in s.points], STYLES[s.measure.key], color=colour, label=s.measure.label)
                stars = [(xpos[(s.measure.key, i)], p.value) for i, p in enumerate(s.points) if p.meaningful]
                if stars:
                    ax.plot(*zip(*stars, strict=True), "*", color=colour, markersize=15, markeredgecolor="black")
                    marked = True
            if s.goal is not None:
                goal = f"Goal: {s.measure.label} ≤ {s.goal:g}"
                ax.axhline(s.goal, color=colour, linestyle="--", linewidth=1, label=goal)
        if marked:
            pain.plot([], [], "*", color="white", markeredgecolor="black", markersize=12, label="Meaningful change")
        handles = pain.get_legend_handles_labels()[0] + function.get_legend_handles_labels()[0]
        if handles:
            fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Title": title})
    return _accessible(buffer.getvalue(), title=title, description=describe(series))


def _accessible(svg: str, *, title: str, description: str) -> str:
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<title>.*?</title>", "", svg, count=1, flags=re.S)
    opening = svg[: svg.index(">") + 1]
    labelled = opening[:-1] + ' role="img" aria-labelledby="plan-chart-title plan-chart-desc" class="plan-chart">'
    # Width and height from matplotlib are fixed points; the viewBox lets the chart shrink on a phone.
    labelled = re.sub(r'\swidth="[^"]*"', ' width="100%"', labelled, count=1)
    labelled = re.sub(r'\sheight="[^"]*"', "", labelled, count=1)
    head = f'<title id="plan-chart-title">{escape(title)}</title>'
    head += f'<desc id="plan-chart-desc">{escape(description)}</desc>'
    return labelled + head + svg[len(opening) :]
