"""Brand and other drug names -> generic names, from `drug-named-entity-recognition`.

The library (MIT, Fast Data Science; DrugBank, MeSH and Wikipedia names, offline) resolves
Zoloft -> sertraline, Thalitone -> chlorthalidone, Suboxone -> buprenorphine/naloxone, Wegovy ->
semaglutide. Importing it unpickles its whole dictionary (3.5 s on 2 cores), more than a
`medcite search` may take, so the table medcite needs is derived from it once and kept as an
SQLite file in the cache folder (`$MEDCITE_CACHE_DIR`, keyed by the library's data file), read
one indexed lookup per word. Kept: names of one or two words that name exactly one drug, with a
generic name of at most three words. Dropped: pharmacological classes ("opioid" -> "Analgesics,
Opioid", "statin" -> "Hydroxymethylglutaryl-CoA Reductase Inhibitors"), which would swamp BM25.
The curated `vocabulary.BRAND_TO_GENERIC` table wins where both name a drug.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import sqlite3
import tempfile
from functools import lru_cache
from pathlib import Path

from medcite.paths import cache_dir

log = logging.getLogger(__name__)

LIBRARY = "drug-named-entity-recognition"
MODULE = "drug_named_entity_recognition"
_CLASS_WORDS = frozenset(
    {
        "agents", "inhibitors", "reagents", "analgesics", "anesthetics", "benzodiazepines", "antagonists",
        "agonists", "blockers", "antibodies", "vaccines", "hormones", "steroids", "contraceptives",
        "antidepressants",
    }
)  # fmt: skip


def _keep(variant: str, generic: str) -> bool:
    words = generic.lower().replace("/", " ").split()
    return (
        len(variant) >= 4
        and len(variant.split()) <= 2
        and generic.lower() != variant
        and len(generic.split()) <= 3
        and "," not in generic
        and not (_CLASS_WORDS & set(words))
    )


def derive_table() -> dict[str, str]:
    """The filtered name -> generic table, read from the library (slow: imports it)."""
    from drug_named_entity_recognition import drugs_finder

    canonical = drugs_finder.drug_canonical_to_data
    table: dict[str, str] = {}
    for variant, names in drugs_finder.drug_variant_to_canonical.items():
        generics = {canonical[c]["name"] for c in names if "name" in canonical.get(c, {})}
        if len(generics) == 1:
            generic = generics.pop()
            if _keep(variant, generic):
                table[variant] = generic.lower()
    return table


def _cache_file() -> Path | None:
    """Named after the library's data file (size, mtime): `importlib.metadata.version` would cost
    90 ms of a command's start-up, `find_spec` costs 1 ms."""
    spec = importlib.util.find_spec(MODULE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations)))
    data = next(iter(sorted(folder.glob("*.pkl*"))), folder)
    stat = data.stat()
    return cache_dir() / f"drug-names-{stat.st_size}-{stat.st_mtime_ns}.sqlite"


def _write(table: dict[str, str], path: Path) -> None:
    """Write the table as SQLite atomically (a temp file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".sqlite.tmp")
    os.close(fd)
    try:
        with contextlib.closing(sqlite3.connect(tmp)) as db:
            db.execute("CREATE TABLE names (name TEXT PRIMARY KEY, generic TEXT NOT NULL) WITHOUT ROWID")
            db.executemany("INSERT INTO names VALUES (?, ?)", sorted(table.items()))
            db.commit()
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class DrugNames:
    """Name -> generic lookups against the cached table: one indexed SQLite read per word, so a
    command pays nothing for the 47,000 names it does not look up."""

    def __init__(self, path: Path | None, table: dict[str, str] | None = None) -> None:
        self._table = table
        self._db = None
        if table is None and path is not None:
            self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)

    def get(self, name: str) -> str | None:
        key = name.lower()
        if self._table is not None:
            return self._table.get(key)
        if self._db is None:
            return None
        row = self._db.execute("SELECT generic FROM names WHERE name = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def __len__(self) -> int:
        if self._table is not None:
            return len(self._table)
        return 0 if self._db is None else int(self._db.execute("SELECT count(*) FROM names").fetchone()[0])


@lru_cache(maxsize=1)
def drug_generics() -> DrugNames:
    """Drug name -> generic name (lower case); empty, with a warning, without the library."""
    path = _cache_file()
    if path is None:
        log.warning("%s is not installed: brand names are resolved from the curated table only", LIBRARY)
        return DrugNames(None, {})
    if path.is_file():
        try:
            names = DrugNames(path)
            len(names)  # a torn or foreign file fails here, and is rebuilt below
            return names
        except sqlite3.Error as exc:
            log.warning("rebuilding unreadable drug-name cache %s (%s)", path, exc)
    table = derive_table()
    try:
        _write(table, path)
    except (OSError, sqlite3.Error) as exc:
        log.debug("drug-name table not cached at %s: %s", path, exc)
        return DrugNames(None, table)
    return DrugNames(path)
