"""Start the sandbox: make sure a world exists, publish its dealer group config, serve the fakes."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import timedelta
from pathlib import Path

from journey_assets.sandbox.credentials import write_credentials_file
from journey_assets.sandbox.dms_drops import write_dms_drops
from journey_assets.sandbox.ga4_export import write_ga4_export_once
from journey_assets.sandbox.mail_sink import MailSink
from journey_assets.sandbox.server import SandboxServer
from journey_assets.sandbox.world import World, ensure_world
from journey_assets.settings import Settings, WorldDates

# The rooftop fields a dealer group configures for the pipeline (prod writes this file by hand).
ROOFTOP_CONFIG_FIELDS = (
    "dealer_id",
    "name",
    "address",
    "city",
    "state",
    "zip",
    "timezone",
    "brands",
    "latitude",
    "longitude",
    "website",
    "phone",
    "ga4_property_id",
    "google_ads_customer_id",
    "meta_ad_account_id",
    "meta_page_id",
    "gbp_location_id",
)


def write_rooftops_config(world: World, path: Path) -> Path:
    rooftops = world.table("rooftops")
    columns = [c for c in ROOFTOP_CONFIG_FIELDS if c in rooftops.columns]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(json.loads(rooftops[columns].to_json(orient="records")), indent=2))
    return path


SALESPEOPLE_FIELDS = (
    "salesperson_id",
    "dealer_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "territory_zips",
    "working_hours_start",
    "working_hours_end",
)


def wrike_contact_id(salesperson_id: str) -> str:
    """A stable Wrike-style contact id for a sandbox salesperson (prod configures real ones)."""
    return "KU" + hashlib.sha1(salesperson_id.encode()).hexdigest()[:6].upper()


def write_salespeople_config(world: World, path: Path) -> Path:
    """The world's sales roster, as the JSON a dealer group keeps beside its rooftops (the CRM has no roster API)."""
    frame = world.table("salespeople")
    rows = json.loads(frame[[c for c in SALESPEOPLE_FIELDS if c in frame.columns]].to_json(orient="records"))
    for row in rows:
        row["wrike_contact_id"] = wrike_contact_id(str(row["salesperson_id"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(rows, indent=2))
    tmp.replace(path)
    return path


def drop_dms_exports_once(world: World, landing: Path) -> None:
    """The DMS's CSV exports of the world's whole history, written once per world.

    The history before the web window as the one export per rooftop and kind a
    DMS makes when a dealer group starts, then a file per rooftop, kind and day
    (the nightly exports). A first load finds them all waiting in incoming/.
    """
    marker = landing / f".sandbox-drops-{world.size}-{world.seed}-{world.as_of.isoformat()}"
    if marker.exists():
        return
    if any(landing.glob(".sandbox-drops-*")):
        # The sandbox dropped another world's exports here: another dealer group's
        # deals must not be loaded (or re-read from loaded/) with this one's.
        shutil.rmtree(landing)
    landing.mkdir(parents=True, exist_ok=True)
    before_web = world.web_first_day - timedelta(days=1)
    write_dms_drops(world, landing, first_day=world.first_day, last_day=before_web, as_one_export=True)
    write_dms_drops(world, landing, first_day=world.web_first_day, last_day=world.as_of)
    marker.write_text("written\n")


def write_world_dates(world: World, path: Path) -> Path:
    """Publish the served world's dates, which the local daily partitions end on (settings.partitions_window)."""
    dates = WorldDates(world.size, world.seed, world.first_day, world.web_first_day, world.as_of)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(dates.to_json())
    tmp.replace(path)
    return path


def start_sandbox(
    settings: Settings, *, size: str | None = None, seed: int | None = None, port: int = 0
) -> SandboxServer:
    """A running sandbox on loopback (port 0 picks a free one) over the cached world.

    The world's size, seed and last day default to the settings
    (JOURNEY_WORLD_SIZE, JOURNEY_WORLD_SEED, JOURNEY_WORLD_LAST_DAY).
    """
    world = ensure_world(
        settings.data_dir,
        size or settings.world_size,
        settings.world_seed if seed is None else seed,
        settings.world_last_day,
    )
    write_world_dates(world, settings.world_dates_file)
    write_rooftops_config(world, settings.rooftops_file)
    write_salespeople_config(world, settings.salespeople_file)
    drop_dms_exports_once(world, settings.dms_landing_dir)
    write_ga4_export_once(world, settings.ga4_export_landing_dir)  # what Google's BigQuery export would hold
    record = settings.data_dir / "sandbox" / "requests.sqlite3"
    server = SandboxServer(world, port=port, record_path=record)
    mail = MailSink(sandbox_mailbox(settings)).start()  # the group's mail relay, played locally
    server.attach("mail", mail)
    # The local resources read the fakes' credentials, and where the mail sink listens, from this file.
    write_credentials_file(settings.sandbox_credentials_file, {"smtp": {"host": mail.host, "port": mail.port}})
    return server.start()


def sandbox_mailbox(settings: Settings) -> Path:
    """Where the sandbox's SMTP sink keeps the messages it receives (one .eml file each)."""
    return settings.data_dir / "sandbox" / "mail"
