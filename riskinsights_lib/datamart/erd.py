"""Entity-relationship diagram of the star schema, drawn from the live schema.

Tables and columns come from ``information_schema``; primary and foreign keys
from :mod:`riskinsights_lib.datamart.schema` (declared once). Drawn with
matplotlib only (no graphviz binary). ``python -m riskinsights_lib.datamart
DB PNG`` writes the picture committed as ``docs/datamart_schema.png``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import duckdb
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle

from riskinsights_lib.datamart.schema import DIMENSIONS, FACTS, FOREIGN_KEYS, TABLES
from riskinsights_lib.style import PALETTE

__all__ = ["schema_columns", "draw_erd", "main"]

_W = 4.6  # box width (data units)
_ROW = 1.0  # height of one column line
_HEAD = 1.4  # height of the header
_GAP = 1.2  # vertical gap between boxes
_COL_X = {"left": 0.0, "center": 7.0, "right": 14.0}
#: Side of each dimension (dimensions linked to each other share a side); others balance.
_SIDE = {
    "dim_date": "left",
    "dim_customer": "left",
    "dim_geography": "left",
    "dim_account": "right",
    "dim_product": "right",
    "dim_channel": "right",
    "dim_merchant_category": "right",
}


def schema_columns(
    con: duckdb.DuckDBPyConnection, tables: Sequence[str]
) -> dict[str, list[tuple[str, str]]]:
    """``table -> [(column, type), ...]`` from ``information_schema`` for the tables present."""
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "ORDER BY table_name, ordinal_position"
    ).fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, col, typ in rows:
        if table in tables:
            out.setdefault(table, []).append((col, typ))
    return {t: out[t] for t in tables if t in out}


def _layout(columns: dict[str, list[tuple[str, str]]]) -> dict[str, tuple[str, float]]:
    """Facts in the centre; dimensions on the side that keeps snowflake links short."""
    place: dict[str, tuple[str, float]] = {}
    heights = {t: _HEAD + _ROW * len(c) for t, c in columns.items()}
    y = 0.0
    for fact in [t for t in FACTS if t in columns]:
        place[fact] = ("center", y)
        y += heights[fact] + 3 * _GAP
    used = {"left": 0.0, "right": 0.0}
    for dim in [t for t in DIMENSIONS if t in columns]:
        side = _SIDE.get(dim) or ("left" if used["left"] <= used["right"] else "right")
        place[dim] = (side, used[side])
        used[side] += heights[dim] + _GAP
    # centre the facts vertically against the taller side
    offset = (max(used.values()) - y + 3 * _GAP) / 2
    for fact in FACTS:
        if fact in place:
            place[fact] = ("center", place[fact][1] + max(offset, 0))
    return place


def draw_erd(con: duckdb.DuckDBPyConnection, *, ax: plt.Axes | None = None) -> Figure:
    """Draw the facts and dimensions with their columns, keys and foreign-key links.

    Parameters
    ----------
    con : an open connection to the datamart.
    ax : axes to draw on; a new figure sized to the schema when None.

    Returns
    -------
    matplotlib.figure.Figure
    """
    tables = [t for t in FACTS + DIMENSIONS]
    columns = schema_columns(con, tables)
    if not columns:
        raise ValueError("con: no fact or dimension table found; build the datamart first")
    place = _layout(columns)
    bottom = max(y + _HEAD + _ROW * len(columns[t]) for t, (_, y) in place.items())
    if ax is None:
        fig, ax = plt.subplots(figsize=(13, max(6.0, bottom * 0.23)))
    fig = ax.figure
    pk = {t: set(TABLES[t][2]) for t in columns}
    fk = {(t, c) for (t, c) in FOREIGN_KEYS if t in columns}
    row_y: dict[tuple[str, str], float] = {}
    for table, (side, y0) in place.items():
        x0 = _COL_X[side]
        kind = TABLES[table][0]
        colour = PALETTE[3] if kind == "fact" else PALETTE[0]
        n = len(columns[table])
        ax.add_patch(
            Rectangle((x0, y0), _W, _HEAD + n * _ROW, facecolor="white", edgecolor=colour, lw=1.5)
        )
        ax.add_patch(Rectangle((x0, y0), _W, _HEAD, facecolor=colour, edgecolor=colour))
        ax.text(
            x0 + 0.15,
            y0 + _HEAD / 2,
            table,
            va="center",
            ha="left",
            color="white",
            fontsize=9,
            fontweight="bold",
        )
        for i, (col, typ) in enumerate(columns[table]):
            yc = y0 + _HEAD + (i + 0.5) * _ROW
            row_y[(table, col)] = yc
            mark = "/".join(
                m for m, hit in (("PK", col in pk[table]), ("FK", (table, col) in fk)) if hit
            )
            ax.text(
                x0 + 0.15,
                yc,
                mark,
                va="center",
                ha="left",
                fontsize=6.5,
                color=colour,
                fontweight="bold",
            )
            weight = "bold" if "PK" in mark else "normal"
            ax.text(x0 + 0.95, yc, col, va="center", ha="left", fontsize=7, fontweight=weight)
            ax.text(
                x0 + _W - 0.1, yc, typ.lower(), va="center", ha="right", fontsize=6, color="0.45"
            )
    for (child, col), (parent, pcol) in FOREIGN_KEYS.items():
        if (child, col) not in row_y or (parent, pcol) not in row_y:
            continue
        cside, pside = place[child][0], place[parent][0]
        cx0, px0 = _COL_X[cside], _COL_X[pside]
        if cside == pside:  # link within one column: loop out on the outer side
            xc = cx0 if cside == "left" else cx0 + _W
            start, end, rad = (xc, row_y[(child, col)]), (xc, row_y[(parent, pcol)]), -0.4
            if cside == "left":
                rad = -rad
        else:
            going_right = px0 > cx0
            start = (cx0 + _W if going_right else cx0, row_y[(child, col)])
            end = (px0 if going_right else px0 + _W, row_y[(parent, pcol)])
            rad = 0.0
        ax.add_patch(
            FancyArrowPatch(
                start,
                end,
                arrowstyle="-|>",
                mutation_scale=8,
                lw=0.8,
                color="0.35",
                connectionstyle=f"arc3,rad={rad}",
                alpha=0.8,
            )
        )
    ax.set_xlim(-1.2, _COL_X["right"] + _W + 1.2)
    ax.set_ylim(bottom + 0.5, -0.5)
    ax.set_axis_off()
    n_fk = sum(1 for (t, c) in fk)
    n_facts = sum(1 for t in columns if TABLES[t][0] == "fact")
    ax.set_title(
        f"Star schema read from the live datamart: {n_facts} facts, {len(columns) - n_facts} "
        f"dimensions, {n_fk} foreign keys (arrow: key -> dimension)",
        loc="left",
    )
    return fig


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m riskinsights_lib.datamart DB PNG``: save the ERD of a built datamart."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("db", help="datamart.duckdb of a run")
    parser.add_argument("png", help="output picture, e.g. docs/datamart_schema.png")
    args = parser.parse_args(argv)
    from riskinsights_lib.style import set_style

    set_style()
    with duckdb.connect(args.db, read_only=True) as con:
        fig = draw_erd(con)
    fig.savefig(args.png, dpi=110, bbox_inches="tight")
    return 0
