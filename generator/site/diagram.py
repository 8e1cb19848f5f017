"""A roadmap -> an SVG diagram, drawn at build time (pure; no JavaScript, no CDN).

Each section is a horizontal band. Inside a band, a node's column is its depth among the prerequisites that lie in
the same section, so a chain reads left to right; a band with more layers than columns wraps onto the next row and
runs right to left (like a snake), so the arrow between rows stays short. Layers with many nodes spread over the
free columns. Arrows go from a prerequisite to the node that requires it; arrows that cross sections are dashed.
Every node is an `<a href="#node-id">` to its part of the page.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from html import escape

from ..models import Node, Roadmap, Section
from .i18n import t

COLUMNS = 4
BOX_W, BOX_H = 184, 64
GAP_X, GAP_Y = 36, 18
PAD = 24
CHANNEL = 12  # arrows run this far left of a column
BAND_HEADER = 38
BAND_GAP = 14
FONT = 13  # px, node titles
LINE = 16  # px between title lines
TEXT_UNITS = (BOX_W - 20) / FONT  # how many 1em characters fit on a line


@dataclass
class Box:
    node: Node
    band: int
    group: int  # row group inside the band
    x: float
    y: float

    @property
    def cx(self) -> float:
        return self.x + BOX_W / 2

    @property
    def cy(self) -> float:
        return self.y + BOX_H / 2


@dataclass
class Band:
    section: Section
    y: float
    height: float


@dataclass
class Layout:
    width: float
    height: float
    bands: list[Band]
    boxes: dict[str, Box]


def _depths(section: Section) -> dict[str, int]:
    local = {node.id: node for node in section.nodes}
    depth: dict[str, int] = {}

    def visit(node_id: str, trail: frozenset[str]) -> int:
        if node_id not in depth:
            inside = [r for r in local[node_id].requires if r in local and r not in trail]
            depth[node_id] = 1 + max((visit(r, trail | {node_id}) for r in inside), default=-1)
        return depth[node_id]

    for node in section.nodes:
        visit(node.id, frozenset())
    return depth


def _spread(layers: list[list[Node]], columns: int, only_first: bool = False) -> list[int]:
    """How many columns each layer gets when all layers fit in one row: give spare columns to the tallest. With
    `only_first`, only the first layer (no prerequisites in the section) spreads: spreading a later layer would
    put some of its nodes out of reach of their prerequisites in the previous column."""
    widths = [1] * len(layers)
    candidates = [0] if only_first else list(range(len(layers)))
    while sum(widths) < columns:
        tallest = max(candidates, key=lambda k: math.ceil(len(layers[k]) / widths[k]))
        if math.ceil(len(layers[tallest]) / widths[tallest]) <= 1:
            break
        widths[tallest] += 1
    return widths


def _layers(section: Section, order: dict[str, int]) -> list[list[Node]]:
    """The section's nodes by depth, each layer ordered to reduce crossings: by where its prerequisites sit in
    the previous layer, with nodes that later nodes need placed last (nearest the next column)."""
    depth = _depths(section)
    layers: list[list[Node]] = [[] for _ in range(max(depth.values()) + 1)]
    for node in section.nodes:
        layers[depth[node.id]].append(node)
    needed = {r for node in section.nodes for r in node.requires}
    rank: dict[str, float] = {}
    for layer in layers:
        keys = {}
        for node in layer:
            placed = [rank[r] for r in node.requires if r in rank]
            keys[node.id] = (node.id in needed, sum(placed) / len(placed) if placed else order[node.id] / 1000,
                             order[node.id])
        layer.sort(key=lambda node: keys[node.id])
        for position, node in enumerate(layer):
            rank[node.id] = position
    return layers


def layout(roadmap: Roadmap, columns: int = COLUMNS) -> Layout:
    width = 2 * PAD + columns * BOX_W + (columns - 1) * GAP_X
    boxes: dict[str, Box] = {}
    bands: list[Band] = []
    order = {node.id: i for i, (_, node) in enumerate(roadmap.iter_nodes())}
    y = PAD
    for band_index, section in enumerate(roadmap.sections):
        layers = _layers(section, order)
        if len(layers) <= columns:
            groups = [list(range(len(layers)))]
            widths = _spread(layers, columns, only_first=len(layers) > 1)
        else:
            groups = [list(range(k, min(k + columns, len(layers)))) for k in range(0, len(layers), columns)]
            widths = [1] * len(layers)
        top = y
        y += BAND_HEADER
        for group_index, group in enumerate(groups):
            used = sum(widths[k] for k in group)
            slots = []  # (node, column, row) in the group
            column = 0
            rows = 1
            for k in group:
                rows = max(rows, math.ceil(len(layers[k]) / widths[k]))
                slots += [(node, column + i % widths[k], i // widths[k]) for i, node in enumerate(layers[k])]
                column += widths[k]
            for node, col, row in slots:
                if group_index % 2 == 1:  # snake: odd rows run right to left
                    col = used - 1 - col
                # left-aligned, so that the channels between columns line up in every row
                boxes[node.id] = Box(node, band_index, group_index, PAD + col * (BOX_W + GAP_X),
                                     y + row * (BOX_H + GAP_Y))
            y += rows * (BOX_H + GAP_Y)
        y += -GAP_Y + 12
        bands.append(Band(section, top, y - top))
        y += BAND_GAP
    return Layout(width, y - BAND_GAP + PAD, bands, boxes)


def _units(char: str) -> float:
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.0
    if char == " ":
        return 0.3
    return 0.68 if char.isupper() else 0.55


def wrap(text: str, max_units: float = TEXT_UNITS, max_lines: int = 2) -> list[str]:
    """Break text into lines that fit a box; CJK may break anywhere, other words only at spaces."""
    tokens: list[str] = []
    word = ""
    for char in text:
        if char == " " or unicodedata.east_asian_width(char) in ("W", "F"):
            if word:
                tokens.append(word)
                word = ""
            tokens.append(char)
        else:
            word += char
    if word:
        tokens.append(word)
    lines: list[str] = []
    line = ""
    for token in tokens:
        if token == " " and not line:
            continue
        candidate = line + token
        if sum(map(_units, candidate)) <= max_units or not line:
            line = candidate
            while sum(map(_units, line)) > max_units:  # a single word longer than the line
                cut = len(line)
                while cut > 1 and sum(map(_units, line[:cut])) > max_units:
                    cut -= 1
                lines.append(line[:cut])
                line = line[cut:]
        else:
            lines.append(line.rstrip())
            line = token.lstrip()
    if line.strip():
        lines.append(line.rstrip())
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and sum(map(_units, last + "…")) > max_units:
            last = last[:-1]
        lines = lines[: max_lines - 1] + [last.rstrip() + "…"]
    return lines


def _arrow(source: Box, target: Box) -> str:
    """A path from a prerequisite to the node that needs it. Between neighbouring columns it is a smooth curve
    through the channel between them; otherwise it runs along the gap under the source's row, down (or up) the
    channel left of the target's column, and into the target's left side, so it never crosses a box."""
    gap_right = target.x - (source.x + BOX_W)
    if 0 < gap_right <= GAP_X + 1:  # the next column: a smooth curve
        x1, y1, x2, y2 = source.x + BOX_W, source.cy, target.x, target.cy
        bend = gap_right / 2
        return f"M{x1:.1f},{y1:.1f} C{x1 + bend:.1f},{y1:.1f} {x2 - bend:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
    if target.x == source.x and abs(target.y - (source.y + BOX_H + GAP_Y)) < 1:  # right below: straight down
        return f"M{source.cx:.1f},{source.y + BOX_H:.1f} V{target.y:.1f}"
    above = target.y + BOX_H <= source.y
    y1 = source.y - GAP_Y / 2 if above else source.y + BOX_H + GAP_Y / 2
    start_y = source.y if above else source.y + BOX_H
    channel = target.x - CHANNEL
    return (f"M{source.cx:.1f},{start_y:.1f} V{y1:.1f} H{channel:.1f} V{target.cy:.1f} H{target.x:.1f}")


def render_svg(roadmap: Roadmap, lang: str, columns: int = COLUMNS) -> str:
    """The diagram as an inline `<svg>` element (one line per element, no blank lines: safe inside Markdown)."""
    plan = layout(roadmap, columns)
    marker = f"rm-arrowhead-{roadmap.id}"
    title = escape(roadmap.title.get(lang))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="rm-map" viewBox="0 0 {plan.width:.0f} {plan.height:.0f}" '
        f'width="{plan.width:.0f}" height="{plan.height:.0f}" role="group" aria-label="{title}">',
        f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="rm-arrowhead"/></marker></defs>',
    ]
    for band in plan.bands:
        out.append(f'<g class="rm-band" id="map-{escape(band.section.id)}">'
                   f'<rect x="4" y="{band.y:.1f}" width="{plan.width - 8:.0f}" '
                   f'height="{band.height:.1f}" rx="10"/>'
                   f'<a href="#section-{escape(band.section.id)}"><text x="{PAD + 4}" y="{band.y + 25:.1f}" '
                   f'class="rm-band__title">{escape(band.section.title.get(lang))}</text></a></g>')
    for box in plan.boxes.values():
        for required in box.node.requires:
            source = plan.boxes.get(required)
            if source is None:
                continue
            far = " rm-arrow--far" if source.band != box.band else ""
            out.append(f'<path class="rm-arrow{far}" data-from="{escape(required)}" data-to="{escape(box.node.id)}" '
                       f'd="{_arrow(source, box)}" marker-end="url(#{marker})"/>')
    for box in plan.boxes.values():
        node = box.node
        name = node.title.get(lang)
        lines = wrap(name)
        meta = f"{t(lang, 'level.' + node.level.value)} · {t(lang, 'node.hours', hours=_hours(node.hours))}"
        first = box.y + (24 if len(lines) > 1 else 32)
        text = "".join(
            f'<tspan x="{box.x + 10:.1f}" y="{first + i * LINE:.1f}">{escape(line)}</tspan>'
            for i, line in enumerate(lines))
        out.append(
            f'<a href="#{escape(node.id)}" class="rm-dnode rm-lvl-{node.level.value}" data-node="{escape(node.id)}" '
            f'aria-label="{escape(name)}"><title>{escape(name)}</title>'
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{BOX_W}" height="{BOX_H}" rx="8" class="rm-dnode__box"/>'
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="5" height="{BOX_H}" rx="2" class="rm-dnode__bar"/>'
            f'<text class="rm-dnode__title">{text}</text>'
            f'<text x="{box.x + 10:.1f}" y="{box.y + BOX_H - 9:.1f}" class="rm-dnode__meta">{escape(meta)}</text>'
            f'<g class="rm-dnode__check"><circle cx="{box.x + BOX_W - 13:.1f}" cy="{box.y + 13:.1f}" r="8"/>'
            f'<path d="M{box.x + BOX_W - 17:.1f},{box.y + 13:.1f} l3,3 l6,-6"/></g></a>')
    out.append("</svg>")
    return "\n".join(out)


def _hours(hours: float) -> str:
    return str(int(hours)) if float(hours).is_integer() else f"{hours:g}"
