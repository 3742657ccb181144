"""The real-time plane's response to intake events: no Dagster here.

* `ledger`: the durable response ledger's interface (`ResponseLedger`); `ledger_sqlite`: SQLite (WAL);
  `ledger_postgres`: Postgres (prod); `ledger_factory.open_ledger(spec)` picks one.
* `workflow`: `respond(events, deps)` and `respond_due(deps)`; `model`: `ResponseDeps`, `Event`;
  `runner`: claim, act, record; `actions/`: one module per action.
* `config`: rooftops and salespeople (`load_roster`).
* `contact`: identity keys and consent state of an event's customer.

`defs/respond/` wraps this in a sensor and an op job; tests and the benchmark
call it directly.
"""

from journey_assets.response.ledger import ResponseLedger
from journey_assets.response.ledger_factory import open_ledger
from journey_assets.response.ledger_sqlite import SQLiteLedger
from journey_assets.response.workflow import ResponseConfig, ResponseDeps, respond, respond_due

__all__ = ["ResponseConfig", "ResponseDeps", "ResponseLedger", "SQLiteLedger", "open_ledger", "respond", "respond_due"]
