"""SQLite persistence: one table of JSON documents keyed by (kind, id), plus id sequences.

One connection is shared by every request thread; :meth:`Store.transaction` takes the lock and
commits (or rolls back) around a unit of work, which gives each API call the atomicity that
PostHog gets from row locks. Documents are plain dicts; filtering happens in Python, which is
plenty for the few thousand objects an emulator holds.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

JSON = dict[str, Any]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    kind TEXT NOT NULL,
    id INTEGER NOT NULL,
    project_id INTEGER,
    doc TEXT NOT NULL,
    lookup TEXT,
    PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS objects_project ON objects (kind, project_id);
CREATE TABLE IF NOT EXISTS sequences (kind TEXT PRIMARY KEY, last_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_LOOKUP_INDEX = "CREATE INDEX IF NOT EXISTS objects_lookup ON objects (kind, project_id, lookup)"

# The field of each kind that handlers look documents up by (an indexed column), so that a
# project with ten thousand flags does not decode all of them to check one key.
LOOKUP_FIELDS = {
    "feature_flag": "key",
    "endpoint": "name",
    "session_recording": "session_id",
    "person": "uuid",
    "activity": "lookup",
}


def _lookup(kind: str, doc: JSON) -> str | None:
    name = LOOKUP_FIELDS.get(kind)
    value = doc.get(name) if name else None
    return None if value is None else str(value)


class Store:
    """JSON documents in SQLite, safe to share between threads."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = None if path is None else Path(path)
        target = ":memory:" if self.path is None else str(self.path)
        self._conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL" if self.path else "PRAGMA journal_mode=MEMORY")
        self.lock = threading.RLock()
        self._depth = 0
        with self.lock:
            self._conn.executescript(_SCHEMA)
            columns = {row[1] for row in self._conn.execute("PRAGMA table_info(objects)")}
            if "lookup" not in columns:  # a data file from before the column existed
                self._conn.execute("ALTER TABLE objects ADD COLUMN lookup TEXT")
            self._conn.execute(_LOOKUP_INDEX)
        self.is_new = self.get_meta("initialised") is None

    def copy_to(self, other: Store) -> None:
        """Copy every table into ``other`` (SQLite's online backup)."""
        with self.lock, other.lock:
            self._conn.backup(other._conn)
        other.is_new = other.get_meta("initialised") is None

    def close(self) -> None:
        with self.lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Hold the lock for a unit of work; commit at the end, roll back on an exception."""
        with self.lock:
            outer = self._depth == 0
            if outer:
                self._conn.execute("BEGIN")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if outer:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._conn.execute("COMMIT")

    # -- documents -------------------------------------------------------------------------

    def next_id(self, kind: str) -> int:
        with self.lock:
            row = self._conn.execute(
                "SELECT last_id FROM sequences WHERE kind = ?", (kind,)
            ).fetchone()
            top = self._conn.execute(
                "SELECT COALESCE(MAX(id), 0) FROM objects WHERE kind = ?", (kind,)
            ).fetchone()[0]
            new_id = max(int(row[0]) if row else 0, int(top)) + 1
            self._conn.execute(
                "INSERT INTO sequences (kind, last_id) VALUES (?, ?) "
                "ON CONFLICT(kind) DO UPDATE SET last_id = excluded.last_id",
                (kind, new_id),
            )
            return new_id

    def bump_sequence(self, kind: str, at_least: int) -> None:
        """Make the next generated id of ``kind`` greater than ``at_least``."""
        with self.lock:
            self._conn.execute(
                "INSERT INTO sequences (kind, last_id) VALUES (?, ?) "
                "ON CONFLICT(kind) DO UPDATE SET last_id = MAX(last_id, excluded.last_id)",
                (kind, at_least),
            )

    def insert(self, kind: str, doc: JSON, *, project_id: int | None = None) -> JSON:
        """Store ``doc``. An integer ``id`` is the row key; without one an id is assigned.

        Kinds whose public id is not an integer (organizations, recordings, endpoints) get a
        row key in ``_pk``; :meth:`put` and :meth:`delete` use it.
        """
        with self.lock:
            if isinstance(doc.get("id"), int) and not isinstance(doc.get("id"), bool):
                pk = int(doc["id"])
            elif "id" in doc and doc["id"] is not None:
                pk = int(doc.get("_pk") or self.next_id(kind))
                doc["_pk"] = pk
            else:
                pk = self.next_id(kind)
                doc["id"] = pk
            self._conn.execute(
                "INSERT INTO objects (kind, id, project_id, doc, lookup) VALUES (?, ?, ?, ?, ?)",
                (kind, pk, project_id, json.dumps(doc), _lookup(kind, doc)),
            )
            return doc

    def get(self, kind: str, obj_id: int) -> JSON | None:
        with self.lock:
            row = self._conn.execute(
                "SELECT doc FROM objects WHERE kind = ? AND id = ?", (kind, obj_id)
            ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def put(self, kind: str, doc: JSON) -> JSON:
        with self.lock:
            self._conn.execute(
                "UPDATE objects SET doc = ?, lookup = ? WHERE kind = ? AND id = ?",
                (json.dumps(doc), _lookup(kind, doc), kind, pk_of(doc)),
            )
        return doc

    def delete(self, kind: str, obj_id: int) -> None:
        """Hard-delete by row key (``pk_of(doc)``)."""
        with self.lock:
            self._conn.execute("DELETE FROM objects WHERE kind = ? AND id = ?", (kind, obj_id))

    def all(self, kind: str, project_id: int | None = None) -> list[JSON]:
        """Every document of a kind (in one project when given), in id order."""
        with self.lock:
            if project_id is None:
                rows = self._conn.execute(
                    "SELECT doc FROM objects WHERE kind = ? ORDER BY id", (kind,)
                ).fetchall()
            else:
                rows = self._conn.execute(
                    "SELECT doc FROM objects WHERE kind = ? AND project_id = ? ORDER BY id",
                    (kind, project_id),
                ).fetchall()
        return [dict(json.loads(row[0])) for row in rows]

    def page(
        self,
        kind: str,
        project_id: int,
        *,
        skip_true: tuple[str, ...] = ("deleted",),
        order_desc: str = "created_at",
        offset: int = 0,
        limit: int = 100,
    ) -> tuple[int, list[JSON]]:
        """A count and one page, filtered and ordered inside SQLite (newest first, then id).

        Used by list views without Python-side filters, so that a page of a large project
        decodes only the documents it returns. ``skip_true`` drops documents whose boolean
        field is true.
        """
        where = "kind = ? AND project_id = ?" + "".join(
            f" AND COALESCE(json_extract(doc, '$.{field}'), 0) = 0" for field in skip_true
        )
        with self.lock:
            total = self._conn.execute(
                f"SELECT COUNT(*) FROM objects WHERE {where}", (kind, project_id)
            ).fetchone()[0]
            rows = self._conn.execute(
                f"SELECT doc FROM objects WHERE {where} "
                f"ORDER BY json_extract(doc, '$.{order_desc}') DESC, id DESC LIMIT ? OFFSET ?",
                (kind, project_id, limit, offset),
            ).fetchall()
        return int(total), [dict(json.loads(row[0])) for row in rows]

    def containing(self, kind: str, project_id: int, text: str) -> list[JSON]:
        """Documents whose stored JSON contains ``text`` (a cheap pre-filter before decoding)."""
        with self.lock:
            rows = self._conn.execute(
                "SELECT doc FROM objects WHERE kind = ? AND project_id = ? AND instr(doc, ?) > 0 "
                "ORDER BY id",
                (kind, project_id, text),
            ).fetchall()
        return [dict(json.loads(row[0])) for row in rows]

    def by_lookup(self, kind: str, project_id: int, value: str) -> list[JSON]:
        """Documents whose lookup field (``LOOKUP_FIELDS``) equals ``value``, in id order."""
        with self.lock:
            rows = self._conn.execute(
                "SELECT doc FROM objects WHERE kind = ? AND project_id = ? AND lookup = ? "
                "ORDER BY id",
                (kind, project_id, value),
            ).fetchall()
        return [dict(json.loads(row[0])) for row in rows]

    # -- metadata --------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self.lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self.lock:
            self._conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )


def pk_of(doc: JSON) -> int:
    """The row key of a stored document."""
    key = doc["_pk"] if "_pk" in doc else doc["id"]
    return int(key)
