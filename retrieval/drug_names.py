"""Brand and other drug names -> generic names, from `drug-named-entity-recognition`.

The library (MIT, Fast Data Science; DrugBank, MeSH and Wikipedia names, offline) resolves
Zoloft -> sertraline, Thalitone -> chlorthalidone, Suboxone -> buprenorphine/naloxone, Wegovy ->
semaglutide. Importing it unpickles its whole dictionary (3.5 s on 2 cores), more than a
`medcite search` may take, so the table medcite needs is derived from it once and kept as JSON
in the cache folder (`$MEDCITE_CACHE_DIR`, keyed by the library's version; about 40 ms to
read). Kept: names of one or two words that name exactly one drug, with a generic name of at
most three words. Dropped: pharmacological classes ("opioid" -> "Analgesics, Opioid", "statin" ->
"Hydroxymethylglutaryl-CoA Reductase Inhibitors"), which would swamp BM25 with class words.
The curated `vocabulary.BRAND_TO_GENERIC` table wins where both name a drug.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from medcite.paths import cache_dir

log = logging.getLogger(__name__)

LIBRARY = "drug-named-entity-recognition"
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


def _cache_file(root: Path | None = None) -> Path | None:
    try:
        return (root or cache_dir()) / f"drug-names-{version(LIBRARY)}.json"
    except PackageNotFoundError:
        return None


@lru_cache(maxsize=1)
def drug_generics() -> dict[str, str]:
    """Lower-case drug name -> lower-case generic name; empty (with a warning) without the library."""
    path = _cache_file()
    if path is None:
        log.warning("%s is not installed: brand names are resolved from the curated table only", LIBRARY)
        return {}
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        pass
    table = derive_table()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".json.tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(table, out)
        os.replace(tmp, path)
    except OSError as exc:
        log.debug("drug-name table not cached at %s: %s", path, exc)
    return table
