"""The synthetic dealer group: a deterministic world from a seed and a size.

`generate_world(size, seed)` builds every table as a pandas DataFrame with
vectorized numpy; `World.save(dir)` writes one Parquet file per table plus
`world.json`; `World.load(dir)` reads them back lazily. `ensure_world` caches a
world under `data/world/<size>-<seed>/` so the demo and the sandbox server do
not regenerate it on every start.

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
from datetime import date
from pathlib import Path

import pandas as pd

SIZES = {"small": 2_000, "medium": 40_000, "large": 1_000_000}  # customers
DEFAULT_AS_OF = date(2026, 11, 23)


@dataclass
class World:
    size: str
    seed: int
    as_of: date
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    directory: Path | None = None

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


def world_dir(data_dir: Path, size: str, seed: int) -> Path:
    return Path(data_dir) / "world" / f"{size}-{seed}"


def generate_world(size: str = "small", seed: int = 7, as_of: date = DEFAULT_AS_OF) -> World:
    from journey_assets.sandbox.world.generate import build_tables

    if size not in SIZES:
        raise ValueError(f"unknown world size {size!r}; expected one of {sorted(SIZES)}")
    return World(size, seed, as_of, build_tables(SIZES[size], seed, as_of))


def ensure_world(data_dir: Path, size: str = "small", seed: int = 7) -> World:
    directory = world_dir(data_dir, size, seed)
    if (directory / "world.json").exists():
        return World.load(directory)
    world = generate_world(size, seed)
    world.save(directory)
    return world
