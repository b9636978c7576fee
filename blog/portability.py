"""``flask export`` and ``flask import``: the whole site in one JSON file, and back.

The export walks every table the models define, so a table added next month is exported without
touching this module. What is left out, on purpose:

* secrets: columns named like passwords, tokens, secrets or keys (``password_hash`` among them),
  and tables that only hold such things or transient state (sign-in links, the mail outbox,
  failed-login records, the cache generation). Staff set a new password after an import.
* media bytes: the file lists every stored media file (name, size, sha256); copy the media
  folder alongside the JSON file.

The import restores into an empty database (schema created by ``flask db upgrade``) and refuses
a database that holds anything, so it can never merge two sites by accident.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import IO, Any

import click
from flask import Flask, current_app
from sqlalchemy import (
    JSON,
    Connection,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    Numeric,
    Table,
    Time,
    func,
    inspect,
    select,
)
from sqlalchemy.types import TypeDecorator

from blog.cache import backend
from blog.extensions import db
from blog.models.base import utcnow
from blog.models.posts import PostStatus
from blog.pages.menu import MENU_EPOCH
from blog.posts.search import refresh_search_terms

FORMAT = "sargasso-export"
VERSION = 1
#: Tables that are secret or transient: never exported, never expected in an import.
SKIPPED_TABLES = {"cache_generation", "login_failures", "email_login_tokens", "mail_outbox"}
SECRET_TABLE = re.compile(r"(token|secret|nonce|session)", re.IGNORECASE)
SECRET_COLUMN = re.compile(r"(password|secret|token|api_?key|private_?key|otp)", re.IGNORECASE)
BATCH = 1000


class ImportRefused(click.ClickException):
    """The import cannot go ahead; the message says why and what to do."""


def exported_tables() -> list[Table]:
    return [t for t in db.metadata.sorted_tables if t.name not in SKIPPED_TABLES and not SECRET_TABLE.search(t.name)]


def exported_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if not SECRET_COLUMN.search(c.name)]


def _plain_type(column_type: Any) -> Any:
    return column_type.impl if isinstance(column_type, TypeDecorator) else column_type


def encode_value(value: Any) -> Any:
    """A database value as JSON: ISO dates, enum values, base64 bytes, decimals as text."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return {"$base64": base64.b64encode(bytes(value)).decode()}
    return value


def decode_value(value: Any, column_type: Any) -> Any:
    if value is None:
        return None
    kind = _plain_type(column_type)
    if isinstance(kind, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, Time):
        return time.fromisoformat(value)
    if isinstance(kind, LargeBinary) and isinstance(value, dict):
        return base64.b64decode(value["$base64"])
    if isinstance(kind, Numeric) and not isinstance(kind, Integer) and isinstance(value, str):
        return Decimal(value)
    if isinstance(kind, JSON):
        return value
    return value


def media_files() -> list[dict[str, Any]]:
    """Every file in the media folder: enough to check a copied folder is complete."""
    root = Path(current_app.config.get("MEDIA_ROOT") or Path(current_app.instance_path) / "media")
    files = []
    if root.is_dir():
        for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")):
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
            files.append(
                {"path": path.relative_to(root).as_posix(), "bytes": path.stat().st_size, "sha256": digest.hexdigest()}
            )
    return files


def _rows(conn: Connection, table: Table, columns: list[str]) -> Iterator[list[Any]]:
    order = list(table.primary_key.columns) or [table.c[columns[0]]]
    query = select(*(table.c[name] for name in columns)).order_by(*order)
    for row in conn.execution_options(stream_results=True, yield_per=BATCH).execute(query):
        yield [encode_value(v) for v in row]


def export_site(out: IO[str]) -> dict[str, int]:
    """Write the export to ``out``, a table at a time and a row per line (a big site streams)."""
    counts: dict[str, int] = {}
    omitted_columns = {
        t.name: [c.name for c in t.columns if SECRET_COLUMN.search(c.name)] for t in db.metadata.sorted_tables
    }
    header = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": datetime.now().astimezone().isoformat(),
        "site": {k: current_app.config.get(k, "") for k in ("SITE_NAME", "SITE_TAGLINE", "SITE_URL")},
        "omitted": {
            "tables": sorted(t.name for t in db.metadata.sorted_tables if t not in exported_tables()),
            "columns": {name: cols for name, cols in omitted_columns.items() if cols},
        },
        "media": media_files(),
    }
    out.write(json.dumps(header, ensure_ascii=False, indent=1)[:-2] + ',\n "tables": {')
    with db.engine.connect() as conn:
        for index, table in enumerate(exported_tables()):
            columns = exported_columns(table)
            out.write(("," if index else "") + f'\n  {json.dumps(table.name)}: {{"columns": {json.dumps(columns)},')
            out.write(' "rows": [')
            count = 0
            for row in _rows(conn, table, columns):
                out.write(("," if count else "") + "\n   " + json.dumps(row, ensure_ascii=False))
                count += 1
            out.write("\n  ]}")
            counts[table.name] = count
    out.write("\n }\n}\n")
    return counts


def _non_empty_tables(conn: Connection) -> list[str]:
    busy = []
    for table in db.metadata.sorted_tables:
        if table.name == "cache_generation":
            continue
        if conn.execute(select(func.count()).select_from(table)).scalar():
            busy.append(table.name)
    return busy


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """PostgreSQL hands out ids from sequences; move each past the imported rows."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(_plain_type(pk[0].type), Integer):
            continue
        sequence = conn.exec_driver_sql(
            "SELECT pg_get_serial_sequence(%(t)s, %(c)s)", {"t": table.name, "c": pk[0].name}
        ).scalar()
        if sequence:
            conn.execute(
                select(func.setval(sequence, select(func.coalesce(func.max(pk[0]), 0) + 1).scalar_subquery(), False))
            )


def import_site(data: dict[str, Any]) -> dict[str, int]:
    """Restore an export into the empty database; returns rows per table."""
    if data.get("format") != FORMAT:
        raise ImportRefused('This is not a Sargasso export (no "format": "sargasso-export").')
    if int(data.get("version", 0)) > VERSION:
        raise ImportRefused(
            f"This export is version {data['version']}; this Sargasso reads up to {VERSION}. Upgrade first."
        )
    known = {t.name: t for t in db.metadata.sorted_tables}
    tables_in_file: dict[str, Any] = data.get("tables", {})
    unknown = sorted(set(tables_in_file) - set(known))
    if unknown:
        raise ImportRefused(f"The export has tables this version does not know: {', '.join(unknown)}.")
    existing = set(inspect(db.engine).get_table_names())
    missing = [name for name in known if name not in existing]
    if missing:
        raise ImportRefused("The database has no schema yet: run `flask db upgrade`, then import again.")
    counts: dict[str, int] = {}
    with db.engine.begin() as conn:
        busy = _non_empty_tables(conn)
        if busy:
            raise ImportRefused(
                f"The database is not empty ({', '.join(busy[:5])}{'...' if len(busy) > 5 else ''} hold rows). "
                "Import restores into an empty database only: create a new one, run `flask db upgrade`, import there."
            )
        order = [t for t in db.metadata.sorted_tables if t.name in tables_in_file]
        done: set[str] = set()
        deferred: list[tuple[Table, str, list[tuple[Any, dict[str, Any]]]]] = []
        for table in order:
            section = tables_in_file[table.name]
            columns: list[str] = section["columns"]
            absent = [c for c in columns if c not in table.c]
            if absent:
                raise ImportRefused(f"Table {table.name}: columns {', '.join(absent)} are not in this version.")
            # Foreign keys to rows not inserted yet (a comment's parent, a category's parent):
            # inserted as NULL, then set once every row is in.
            late = [
                c
                for c in columns
                if any(fk.column.table.name not in done or fk.column.table is table for fk in table.c[c].foreign_keys)
            ]
            pk = [c.name for c in table.primary_key.columns]
            types = {c: table.c[c].type for c in columns}
            batch: list[dict[str, Any]] = []
            # The later UPDATE must not trip ``onupdate`` columns (updated_at): they keep their value.
            keep = [c for c in columns if table.c[c].onupdate is not None]
            fixes: dict[str, list[tuple[Any, dict[str, Any]]]] = {c: [] for c in late}
            for raw in section["rows"]:
                row = {c: decode_value(v, types[c]) for c, v in zip(columns, raw, strict=True)}
                for c in late:
                    if row[c] is not None and len(pk) == 1:
                        fixes[c].append((row[pk[0]], {c: row[c], **{k: row[k] for k in keep}}))
                        row[c] = None
                batch.append(row)
                if len(batch) >= BATCH:
                    conn.execute(table.insert(), batch)
                    batch = []
            if batch:
                conn.execute(table.insert(), batch)
            counts[table.name] = len(section["rows"])
            deferred.extend((table, c, pairs) for c, pairs in fixes.items() if pairs)
            done.add(table.name)
        for table, _column, pairs in deferred:
            key = next(iter(table.primary_key.columns))
            for row_id, values in pairs:
                conn.execute(table.update().where(key == row_id).values(values))
        _settle_announcements(conn, tables_in_file)
        posts = tables_in_file.get("posts")
        if posts is not None and "search_terms" not in posts["columns"]:
            refresh_search_terms(conn)  # an export made before the column: CJK words become findable
        _reset_sequences(conn, order)
        cache = backend()
        if cache is not None and not cache.bump_after_commit():
            cache.bump(conn)  # in the import's transaction
            cache.advance(MENU_EPOCH, conn)  # pages came in: every worker reads its site menu again
    if cache is not None and cache.bump_after_commit():
        cache.bump()
        cache.advance(MENU_EPOCH)
    return counts


def _settle_announcements(conn: Connection, tables_in_file: dict[str, Any]) -> None:
    """Exports older than ``posts.announced_at``: their live posts were announced on the old site,
    so restoring them must not email followers or fire ``post.published`` again."""
    section = tables_in_file.get("posts")
    if section is None or "announced_at" in section["columns"]:
        return
    posts = db.metadata.tables["posts"]
    conn.execute(
        posts.update()
        .where(
            posts.c.status == PostStatus.PUBLISHED,
            posts.c.published_at.is_not(None),
            posts.c.published_at <= utcnow(),
            posts.c.announced_at.is_(None),
        )
        .values(announced_at=posts.c.published_at)
    )


def missing_media(data: dict[str, Any]) -> list[str]:
    present = {f["path"] for f in media_files()}
    return [f["path"] for f in data.get("media", []) if f["path"] not in present]


def init_app(app: Flask) -> None:
    @app.cli.command("export")
    @click.argument("path", required=False, type=click.Path(dir_okay=False, allow_dash=True))
    def export_command(path: str | None) -> None:
        """Write the whole site (no secrets) to one JSON file; `-` writes to standard output."""
        path = path or datetime.now().strftime("sargasso-export-%Y%m%d-%H%M%S.json")
        if path == "-":
            counts = export_site(sys.stdout)
        else:
            with open(path, "w", encoding="utf-8") as out:
                counts = export_site(out)
        total = sum(counts.values())
        click.echo(f"Exported {total} rows from {len(counts)} tables to {path}.", err=True)

    @app.cli.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
    def import_command(path: str) -> None:
        """Restore a `flask export` file into an empty database."""
        with click.open_file(path, encoding="utf-8") as handle:
            try:
                data = json.load(handle)
            except json.JSONDecodeError as error:
                raise ImportRefused(f"{path} is not valid JSON: {error}") from None
        counts = import_site(data)
        click.echo(f"Imported {sum(counts.values())} rows into {len(counts)} tables.")
        missing = missing_media(data)
        if missing:
            click.echo(
                f"{len(missing)} media files are listed but not in the media folder; copy them "
                f"over (first: {missing[0]})."
            )
        click.echo("Passwords are not exported: staff set one with `flask reset-password EMAIL --generate`.")
