"""BI-ready exports: tables as Parquet/CSV, data dictionary, relationships and manifest.

Everything is written with DuckDB ``COPY`` (no pandas round trip, so the
largest fact table streams to disk), into one folder, file names stamped with
the export time: ``<table>_<stamp>.parquet|csv``. CSV files are UTF-8 with a
header row, comma separated, ISO dates (``YYYY-MM-DD``) and timestamps
(``YYYY-MM-DD HH:MM:SS``). ``manifest.json`` lists every file with its row
count and SHA-256 checksum, the run id, the seed and the git commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from tqdm.auto import tqdm

from riskinsights_lib.bi.kpi_dictionary import KPI_TABLE_DESCRIPTIONS
from riskinsights_lib.record import to_plain

__all__ = [
    "EXPORT_FORMATS",
    "MANIFEST_NAME",
    "datamart_tables",
    "run_stamp",
    "export_tables",
    "export_frames",
    "relationships",
    "data_dictionary",
    "dictionary_markdown",
    "table_comments",
    "file_sha256",
    "git_commit",
    "datamart_run_id",
    "export_bi_bundle",
]

log = logging.getLogger(__name__)

EXPORT_FORMATS = ("parquet", "csv")
MANIFEST_NAME = "manifest.json"
_COPY_OPTIONS = {
    "parquet": "(FORMAT parquet, COMPRESSION zstd)",
    "csv": "(FORMAT csv, HEADER true, DELIMITER ',', DATEFORMAT '%Y-%m-%d', "
    "TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S')",
}


def _quote_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _check_formats(formats: Sequence[str]) -> list[str]:
    formats = list(formats)
    bad = [f for f in formats if f not in EXPORT_FORMATS]
    if not formats or bad:
        raise ValueError(
            f"formats: expected a non-empty subset of {list(EXPORT_FORMATS)}, got {formats}"
        )
    return formats


def datamart_tables(
    con: duckdb.DuckDBPyConnection, prefixes: Sequence[str] = ("dim_", "fact_")
) -> list[str]:
    """Tables of the datamart whose names start with one of ``prefixes``, dims first
    (views too: a Spark-built datamart exposes its Parquet tables as views)."""
    names = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary UNION "
            "SELECT view_name FROM duckdb_views() WHERE NOT temporary AND NOT internal "
            "ORDER BY 1"
        ).fetchall()
    ]
    return [n for p in prefixes for n in names if n.startswith(p)]


def run_stamp(now: dt.datetime | None = None) -> str:
    """UTC time stamp used in export file names, e.g. ``20240131T235959Z``."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return now.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _copy(con: duckdb.DuckDBPyConnection, select: str, path: Path, fmt: str) -> int:
    """``COPY`` the query to ``path``; return the rows written (DuckDB reports them)."""
    result = con.execute(f"COPY ({select}) TO {_quote_path(path)} {_COPY_OPTIONS[fmt]}").fetchall()
    return int(result[0][0])


def _export(
    con: duckdb.DuckDBPyConnection,
    selects: Mapping[str, str],
    kind: str,
    out_dir: Path,
    stamp: str,
    formats: Sequence[str],
) -> pd.DataFrame:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    jobs = [(name, sel, fmt) for name, sel in selects.items() for fmt in formats]
    for name, select, fmt in tqdm(jobs, desc=f"export {kind}", leave=False):
        path = out_dir / f"{name}_{stamp}.{fmt}"
        n = _copy(con, select, path, fmt)
        rows.append({"table": name, "kind": kind, "format": fmt, "file": path.name, "rows": n})
        log.info("exported %s (%s rows) to %s", name, f"{n:,}", path.name)
    return pd.DataFrame(rows, columns=["table", "kind", "format", "file", "rows"])


def export_tables(
    con: duckdb.DuckDBPyConnection,
    tables: Sequence[str],
    out_dir: Path,
    *,
    stamp: str,
    formats: Sequence[str] = EXPORT_FORMATS,
) -> pd.DataFrame:
    """Copy datamart tables to ``out_dir`` in each format with DuckDB ``COPY``.

    Returns
    -------
    DataFrame ``table, kind, format, file, rows``, one row per written file.
    """
    formats = _check_formats(formats)
    known = set(datamart_tables(con, prefixes=("",)))
    missing = [t for t in tables if t not in known]
    if missing:
        raise ValueError(f"tables: not in the datamart: {missing}")
    selects = {t: f"SELECT * FROM {_quote_ident(t)}" for t in tables}
    return _export(con, selects, "datamart", out_dir, stamp, formats)


def _frame_select(con: duckdb.DuckDBPyConnection, view: str, frame: pd.DataFrame) -> str:
    """SELECT over a registered frame that turns midnight-only datetimes back into DATEs."""
    cols = []
    for col in frame.columns:
        s = frame[col]
        ident = _quote_ident(str(col))
        is_date = pd.api.types.is_datetime64_any_dtype(s) and (
            s.dropna().empty or (s.dropna() == s.dropna().dt.normalize()).all()
        )
        cols.append(f"CAST({ident} AS DATE) AS {ident}" if is_date else ident)
    return f"SELECT {', '.join(cols)} FROM {view}"


def export_frames(
    con: duckdb.DuckDBPyConnection,
    frames: Mapping[str, pd.DataFrame],
    out_dir: Path,
    *,
    stamp: str,
    formats: Sequence[str] = EXPORT_FORMATS,
) -> pd.DataFrame:
    """Write KPI DataFrames (name -> frame) like :func:`export_tables`, through DuckDB ``COPY``."""
    formats = _check_formats(formats)
    selects = {}
    for name, frame in frames.items():
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"frames[{name!r}]: expected a DataFrame, got {type(frame).__name__}")
        view = f"_bi_export_{name}"
        con.register(view, frame)
        selects[name] = _frame_select(con, view, frame)
    try:
        return _export(con, selects, "kpi", out_dir, stamp, formats)
    finally:
        for name in frames:
            con.unregister(f"_bi_export_{name}")


def _dim_keys(con: duckdb.DuckDBPyConnection, dims: Sequence[str]) -> dict[str, str]:
    """Surrogate key column of each dimension: ``<name>_key`` or its first ``*_key`` column."""
    keys = {}
    for dim in dims:
        cols = [r[0] for r in con.execute(f"DESCRIBE {_quote_ident(dim)}").fetchall()]
        own = f"{dim.removeprefix('dim_')}_key"
        key = own if own in cols else next((c for c in cols if c.endswith("_key")), None)
        if key:
            keys[dim] = key
    return keys


def relationships(
    con: duckdb.DuckDBPyConnection,
    tables: Sequence[str],
    foreign_keys: Mapping[tuple[str, str], tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Foreign-key links between exported tables, with cardinality measured on the data.

    Parameters
    ----------
    con : connection to the datamart.
    tables : the exported tables; links to or from other tables are left out.
    foreign_keys : ``(child table, column) -> (parent table, column)`` as the
        datamart declares them. Without it, a column named like a dimension's
        surrogate key (``<dim>_key``) is taken to link to that dimension.

    Returns
    -------
    DataFrame ``from_table, from_column, to_table, to_column, cardinality,
    orphan_rows``: ``many-to-one`` when the key repeats on the from side and is
    unique on the to side; ``orphan_rows`` counts from-side keys missing on the
    to side (0 in a sound star schema with unknown members).
    """
    exported = set(tables)
    if foreign_keys is None:
        links = []
        keys = _dim_keys(con, [t for t in tables if t.startswith("dim_")])
        for table in tables:
            cols = [r[0] for r in con.execute(f"DESCRIBE {_quote_ident(table)}").fetchall()]
            links += [((table, k), (d, k)) for d, k in keys.items() if d != table and k in cols]
    else:
        links = [
            (child, parent)
            for child, parent in foreign_keys.items()
            if child[0] in exported and parent[0] in exported
        ]
    rows = []
    for (table, col), (parent, pcol) in links:
        t, c = _quote_ident(table), _quote_ident(col)
        d, k = _quote_ident(parent), _quote_ident(pcol)
        from_unique, to_unique, orphans = con.execute(
            f"SELECT (SELECT count({c}) = count(DISTINCT {c}) FROM {t}),"
            f" (SELECT count({k}) = count(DISTINCT {k}) FROM {d}),"
            f" (SELECT count(*) FROM {t} f WHERE f.{c} IS NOT NULL"
            f"   AND NOT EXISTS (SELECT 1 FROM {d} x WHERE x.{k} = f.{c}))"
        ).fetchall()[0]
        card = ("one" if from_unique else "many") + "-to-" + ("one" if to_unique else "many")
        rows.append(
            {
                "from_table": table,
                "from_column": col,
                "to_table": parent,
                "to_column": pcol,
                "cardinality": card,
                "orphan_rows": orphans,
            }
        )
    cols = ["from_table", "from_column", "to_table", "to_column", "cardinality", "orphan_rows"]
    return pd.DataFrame(rows, columns=cols)


def data_dictionary(
    con: duckdb.DuckDBPyConnection,
    tables: Sequence[str],
    descriptions: pd.DataFrame,
    frames: Mapping[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Data dictionary of exported tables: the live types joined to the described columns.

    Parameters
    ----------
    con : connection to the datamart (types of ``tables`` are read from it).
    tables : datamart tables to describe.
    descriptions : ``table, column, description, unit`` for every column (the
        datamart's dictionary plus the KPI tables'); a column without a
        description is listed with an empty one and logged as a warning.
    frames : KPI DataFrames by table name (types taken from DuckDB's view of them).

    Returns
    -------
    DataFrame ``table, column, type, description, unit`` in table/column order.
    """
    missing = {"table", "column", "description", "unit"} - set(descriptions.columns)
    if missing:
        raise ValueError(f"descriptions: missing columns {sorted(missing)}")
    schema = []
    for table in tables:
        for name, typ, *_ in con.execute(f"DESCRIBE {_quote_ident(table)}").fetchall():
            schema.append((table, name, typ))
    for name, frame in (frames or {}).items():
        view = f"_bi_dict_{name}"
        con.register(view, frame)
        try:
            select = _frame_select(con, view, frame)
            for col, typ, *_ in con.execute(f"DESCRIBE {select}").fetchall():
                schema.append((name, col, typ))
        finally:
            con.unregister(view)
    out = pd.DataFrame(schema, columns=["table", "column", "type"])
    desc = descriptions[["table", "column", "description", "unit"]].drop_duplicates(
        ["table", "column"]
    )
    out = out.merge(desc, on=["table", "column"], how="left")
    undocumented = out[out["description"].isna()]
    if not undocumented.empty:
        log.warning(
            "%d exported columns have no description: %s",
            len(undocumented),
            ", ".join(undocumented["table"] + "." + undocumented["column"]),
        )
    return out.fillna({"description": "", "unit": ""})


def dictionary_markdown(
    dictionary: pd.DataFrame,
    *,
    title: str = "Data dictionary",
    table_notes: Mapping[str, str] | None = None,
) -> str:
    """Render a data dictionary as Markdown: one section and table per exported table.

    ``table_notes`` (table -> one line, e.g. its grain) is printed under each heading.
    """
    lines = [f"# {title}", ""]
    notes = table_notes or {}
    for table, block in dictionary.groupby("table", sort=False):
        lines += [f"## {table}", ""]
        if notes.get(table):
            lines += [str(notes[table]), ""]
        lines += ["| column | type | description | unit |", "|---|---|---|---|"]
        for r in block.itertuples(index=False):
            desc = str(r.description).replace("|", "\\|")
            lines.append(f"| {r.column} | {r.type} | {desc} | {r.unit} |")
        lines.append("")
    return "\n".join(lines)


def table_comments(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """``COMMENT ON TABLE`` text of the datamart's tables (the ETL states each grain there)."""
    rows = con.execute(
        "SELECT table_name, comment FROM duckdb_tables() WHERE NOT temporary AND comment IS NOT NULL "
        "UNION ALL SELECT view_name, comment FROM duckdb_views() "
        "WHERE NOT temporary AND NOT internal AND comment IS NOT NULL"
    ).fetchall()
    return {name: comment for name, comment in rows if comment}


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def git_commit(repo: Path | None = None) -> str:
    """Commit of the checkout the code runs from (``unknown`` outside git)."""
    repo = repo or Path(__file__).resolve().parents[2]
    try:
        out = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def datamart_run_id(
    con: duckdb.DuckDBPyConnection, table: str = "fact_account_month"
) -> str | None:
    """The ETL run id carried by ``table`` (its most frequent ``run_id``), if any."""
    cols = [r[0] for r in con.execute(f"DESCRIBE {_quote_ident(table)}").fetchall()]
    if "run_id" not in cols:
        return None
    rows = con.execute(
        f"SELECT run_id FROM {_quote_ident(table)} GROUP BY run_id ORDER BY count(*) DESC LIMIT 1"
    ).fetchall()
    return str(rows[0][0]) if rows else None


def _remove_previous(out_dir: Path) -> int:
    """Delete the files listed by a previous manifest in ``out_dir`` (a refresh replaces them)."""
    manifest = out_dir / MANIFEST_NAME
    if not manifest.is_file():
        return 0
    try:
        listed = json.loads(manifest.read_text(encoding="utf-8")).get("files", [])
    except (json.JSONDecodeError, AttributeError):
        log.warning("%s is not a BI export manifest; previous files kept", manifest)
        return 0
    removed = 0
    for entry in listed:
        path = out_dir / Path(str(entry.get("file", ""))).name
        if path.is_file() and path.name != MANIFEST_NAME:
            path.unlink()
            removed += 1
    return removed


def export_bi_bundle(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    *,
    kpis: Mapping[str, pd.DataFrame],
    descriptions: pd.DataFrame,
    formats: Sequence[str] = EXPORT_FORMATS,
    seed: int | None = None,
    stamp: str | None = None,
    commit: str | None = None,
    tables: Sequence[str] | None = None,
    foreign_keys: Mapping[tuple[str, str], tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """Write the whole BI bundle and return its manifest.

    Every dimension and fact table and every KPI frame in each format, the data
    dictionary (CSV + Markdown), ``relationships.csv`` and ``manifest.json``.
    Files listed by a previous manifest in ``out_dir`` are removed first, so a
    daily refresh leaves one consistent set.

    Parameters
    ----------
    con : connection to the datamart (read-only is fine).
    out_dir : the run's exports folder.
    kpis : KPI table name -> DataFrame (see :func:`riskinsights_lib.bi.compute_kpis`).
    descriptions : ``table, column, description, unit`` for datamart and KPI columns.
    formats : subset of ``("parquet", "csv")``.
    seed : the run's seed, recorded in the manifest.
    stamp : time stamp in file names (default: now, UTC).
    commit : git commit to record (default: the checkout's HEAD).
    tables : datamart tables to export (default: every ``dim_*`` and ``fact_*``).
    foreign_keys : the datamart's declared foreign keys for ``relationships.csv``
        (default: inferred from ``<dim>_key`` column names).
    """
    formats = _check_formats(formats)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = stamp or run_stamp()
    removed = _remove_previous(out_dir)
    if removed:
        log.info("removed %d files of the previous export", removed)
    tables = list(tables) if tables is not None else datamart_tables(con)
    files = pd.concat(
        [
            export_tables(con, tables, out_dir, stamp=stamp, formats=formats),
            export_frames(con, kpis, out_dir, stamp=stamp, formats=formats),
        ],
        ignore_index=True,
    )
    dictionary = data_dictionary(con, tables, descriptions, kpis)
    rel = relationships(con, tables, foreign_keys)
    extra = []
    for name, frame in (("data_dictionary", dictionary), ("relationships", rel)):
        path = out_dir / f"{name}_{stamp}.csv"
        frame.to_csv(path, index=False, encoding="utf-8")
        extra.append(
            {
                "table": name,
                "kind": "metadata",
                "format": "csv",
                "file": path.name,
                "rows": len(frame),
            }
        )
    md = out_dir / f"data_dictionary_{stamp}.md"
    notes = {**table_comments(con), **KPI_TABLE_DESCRIPTIONS}
    md.write_text(dictionary_markdown(dictionary, table_notes=notes), encoding="utf-8")
    extra.append(
        {
            "table": "data_dictionary",
            "kind": "metadata",
            "format": "md",
            "file": md.name,
            "rows": len(dictionary),
        }
    )
    files = pd.concat([files, pd.DataFrame(extra)], ignore_index=True)
    files["bytes"] = [(out_dir / f).stat().st_size for f in files["file"]]
    files["sha256"] = [
        file_sha256(out_dir / f) for f in tqdm(files["file"], desc="checksums", leave=False)
    ]
    manifest = {
        "created_utc": stamp,
        "run_id": datamart_run_id(con) if "fact_account_month" in tables else None,
        "seed": seed,
        "git_commit": commit or git_commit(),
        "formats": formats,
        "n_files": int(len(files)),
        "row_counts": {
            t: int(n)
            for t, n in files.drop_duplicates("table")[["table", "rows"]].itertuples(index=False)
        },
        "files": files.to_dict(orient="records"),
    }
    (out_dir / MANIFEST_NAME).write_text(json.dumps(to_plain(manifest), indent=2), encoding="utf-8")
    return to_plain(manifest)
