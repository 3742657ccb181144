"""`python -m journey_assets.intake [--host H] [--port P]`: run the intake with settings from env vars."""

from __future__ import annotations

import argparse
import logging

from journey_assets.intake.server import DEFAULT_PORT, serve
from journey_assets.intake.settings import IntakeSettings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m journey_assets.intake", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument("--workers", type=int, default=1, help="server processes (at most one per core)")
    parser.add_argument("--port-file", help="write the bound port here once listening")
    parser.add_argument("--log-level", default="info")

    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(
        args.host,
        args.port,
        IntakeSettings.from_env(),
        workers=args.workers,
        log_level=args.log_level,
        port_file=args.port_file,
    )


if __name__ == "__main__":
    main()
