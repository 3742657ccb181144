"""`python -m journey_assets.intake [--host H] [--port P]`: run the intake with settings from env vars.

It refuses to start without JOURNEY_INTAKE_SECRET (unless `--no-events`) and on
a port that is already served, with a message rather than a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys

from journey_assets.intake.server import DEFAULT_PORT, IntakeStartError, serve
from journey_assets.intake.settings import IntakeSettings

NO_EVENTS_HELP = (
    "serve only the Twilio and Meta webhooks; POST /events/* answer 503 (JOURNEY_INTAKE_SECRET may be unset)"
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m journey_assets.intake", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument("--workers", type=int, default=1, help="server processes (at most one per core)")
    parser.add_argument("--port-file", help="write the bound port here once listening")
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--no-events", action="store_true", help=NO_EVENTS_HELP)

    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        serve(
            args.host,
            args.port,
            IntakeSettings.from_env(),
            workers=args.workers,
            log_level=args.log_level,
            port_file=args.port_file,
            events=not args.no_events,
        )
    except IntakeStartError as exc:
        sys.exit(f"intake: not started: {exc}")


if __name__ == "__main__":
    main()
