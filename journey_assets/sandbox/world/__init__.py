"""The synthetic dealer group: a deterministic world from a seed and a size.

`generate_world(size, seed, as_of)` builds every table as a pandas DataFrame
with vectorized numpy; `World.save(dir)` writes one Parquet file per table plus
`world.json`; `World.load(dir)` reads them back lazily. `ensure_world` caches a
world under `data/world/<size>-<seed>-<as_of>/` so the demo and the sandbox
server do not regenerate it on every start.

The world's last day (`as_of`) is part of its identity: asked for no day in
particular, `ensure_world` reuses the newest cached world of that size and
seed, or generates one ending yesterday (UTC). So a first run shows recent
dates, and the world then stays put (the same tables every start) until asked
for another day.

The vendor fakes serve these tables through the vendors' wire formats; the
pipeline never reads them directly. Tables whose names start with `truth_` are
the world's ground truth (true purchase probability, segment memberships,
which records are the same person, which VINs were corrupted), kept so later
work can score segments, identity resolution and the model against them.

Table contract (columns every consumer may rely on; generators may add more):

rooftops: dealer_id, name, address, city, state, zip, timezone, brands
    (comma-separated makes), latitude, longitude, website, phone, ga4_property_id,
    google_ads_customer_id, meta_ad_account_id, gbp_location_id
inventory: vehicle_uuid, dealer_id, vin, stock_number, condition (new|used|cpo),
    year, make, model, trim, body_style, exterior_color, odometer, msrp,
    date_in_stock, date_sold (NaT while unsold), vdp_url, image_url
inventory_prices: vehicle_uuid, effective_date, price (each vehicle's price over
    time; the price on a day is the last row with effective_date <= that day)
See `generate.py` for the full list of tables and their columns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd

SIZES = {"small": 2_000, "medium": 40_000, "large": 1_000_000}  # customers
DEFAULT_SEED = 7
# The windows every table's dates fall in, ending at as_of (see generate.py).
HISTORY_DAYS = 1095  # sales, service visits, CRM leads and activities, reviews, surveys
WEB_DAYS = 90  # web sessions and events, ad stats, search terms, social posts


def default_as_of(today: date | None = None) -> date:
    """The last day of a world generated today: yesterday, the last complete UTC day."""
    return (today or datetime.now(UTC).date()) - timedelta(days=1)


@dataclass
class World:
    size: str
    seed: int
    as_of: date
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    directory: Path | None = None

    @property
    def first_day(self) -> date:
        """The first day of the world's history (deals, service visits, leads)."""
        return self.as_of - timedelta(days=HISTORY_DAYS - 1)

    @property
    def web_first_day(self) -> date:
        """The first day of the world's web, ads and social data."""
        return self.as_of - timedelta(days=WEB_DAYS - 1)

    def describe(self) -> str:
        return (
            f"the {self.size} world, seed {self.seed}: history {self.first_day} .. {self.as_of},"
            f" web and ads from {self.web_first_day}"
        )

    def table(self, name: str) -> pd.DataFrame:
        if name not in self.tables:
            if self.directory is None or not (self.directory / f"{name}.parquet").exists():
                raise KeyError(f"the {self.size} world has no table {name!r}")
            self.tables[name] = pd.read_parquet(self.directory / f"{name}.parquet")
        return self.tables[name]

    def table_names(self) -> list[str]:
        if self.directory is not None:
            return sorted(p.stem for p in self.directory.glob("*.parquet"))
        return sorted(self.tables)

    def save(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        for name, frame in self.tables.items():
            frame.to_parquet(directory / f"{name}.parquet", index=False)
        meta = {"size": self.size, "seed": self.seed, "as_of": self.as_of.isoformat()}
        # Written last: its presence marks a complete world on disk.
        (directory / "world.json").write_text(json.dumps(meta))
        self.directory = directory
        return directory

    @classmethod
    def load(cls, directory: Path) -> World:
        meta = json.loads((directory / "world.json").read_text())
        return cls(meta["size"], meta["seed"], date.fromisoformat(meta["as_of"]), directory=directory)


def world_dir(data_dir: Path, size: str, seed: int, as_of: date | None = None) -> Path:
    """Where the world of that size, seed and last day is cached (no `as_of`: the newest cached one)."""
    if as_of is None:
        cached = cached_worlds(data_dir, size, seed)
        if not cached:
            raise FileNotFoundError(f"no {size} world with seed {seed} is cached under {Path(data_dir) / 'world'}")
        return cached[-1]
    return Path(data_dir) / "world" / f"{size}-{seed}-{as_of.isoformat()}"


def cached_worlds(data_dir: Path, size: str, seed: int) -> list[Path]:
    """The complete cached worlds of this size and seed, oldest last day first."""
    root = Path(data_dir) / "world"
    found = []
    for directory in root.glob(f"{size}-{seed}-*"):
        try:
            as_of = date.fromisoformat(directory.name.removeprefix(f"{size}-{seed}-"))
        except ValueError:
            continue  # not a world this module wrote
        if (directory / "world.json").exists():
            found.append((as_of, directory))
    return [directory for _, directory in sorted(found)]


def generate_world(size: str = "small", seed: int = DEFAULT_SEED, as_of: date | None = None) -> World:
    from journey_assets.sandbox.world.generate import build_tables

    if size not in SIZES:
        raise ValueError(f"unknown world size {size!r}; expected one of {sorted(SIZES)}")
    as_of = as_of or default_as_of()
    return World(size, seed, as_of, build_tables(SIZES[size], seed, as_of))


def ensure_world(
    data_dir: Path,
    size: str = "small",
    seed: int = DEFAULT_SEED,
    as_of: date | None = None,
    *,
    today: date | None = None,
) -> World:
    """The cached world of that size, seed and last day, generated and saved when missing.

    With no `as_of`, the newest cached world of that size and seed, or a new one
    ending the day before `today`.
    """
    if as_of is None:
        cached = cached_worlds(data_dir, size, seed)
        if cached:
            return World.load(cached[-1])
        as_of = default_as_of(today)
    directory = world_dir(data_dir, size, seed, as_of)
    if (directory / "world.json").exists():
        return World.load(directory)
    world = generate_world(size, seed, as_of)
    world.save(directory)
    return world
