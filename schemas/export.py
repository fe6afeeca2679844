"""Export the JSON Schema of every event version to schemas/json/ (`python -m schemas.export`).

The committed files are what other teams code against; `tests/unit/test_schema_drift.py`
fails when they no longer match the models. `--check` exits 1 on drift without writing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from schemas.envelope import EVENT_CLASSES, Envelope

SCHEMA_DIR = Path(__file__).parent / "json"


def schema_file(event_type: str, cls: type[Envelope[Any]]) -> str:
    """File name of one event version's schema, e.g. `TicketSold.v1.schema.json`."""
    version = cls.model_fields["schema_version"].default
    return f"{event_type}.v{version}.schema.json"


def render_schemas() -> dict[str, str]:
    """Every event version's JSON Schema as canonical text, keyed by file name."""
    out: dict[str, str] = {}
    for event_type, cls in EVENT_CLASSES.items():
        schema = cls.model_json_schema(mode="validation")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://schemas.concert-data.dev/events/{schema_file(event_type, cls)}"
        out[schema_file(event_type, cls)] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return out


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, compare) the committed schema files."""
    check = "--check" in (argv if argv is not None else sys.argv[1:])
    rendered = render_schemas()
    drift = [
        n
        for n, text in rendered.items()
        if not (SCHEMA_DIR / n).exists() or (SCHEMA_DIR / n).read_text() != text
    ]
    if check:
        for name in drift:
            print(f"schema drift: schemas/json/{name} (run `make schemas`)", file=sys.stderr)
        return 1 if drift else 0
    SCHEMA_DIR.mkdir(exist_ok=True)
    for name, text in rendered.items():
        (SCHEMA_DIR / name).write_text(text)
    print(f"wrote {len(rendered)} schemas to {SCHEMA_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
