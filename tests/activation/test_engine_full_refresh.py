"""The engine's full-refresh path (contract.FullRefresh: Meta's replace session), with a destination written
here that keeps what it was given (no Customer.io destination replaces; the Meta one is tested on its fake)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from journey_assets.activation.contract import Change, FullRefresh, Operation, RowResult, Sent
from journey_assets.activation.engine import run_sync
from journey_assets.activation.spec import parse_syncs


class Membership:
    name = "membership"
    batch_size = 4

    def __init__(self) -> None:
        self.members: set[str] = set()
        self.calls: list[tuple[str, int]] = []

    def prepare(self) -> dict[str, Any]:
        return {"audience": "a1"}

    def send(self, changes: Sequence[Change]) -> Sent:
        self.calls.append(("send", len(changes)))
        for c in changes:
            (self.members.discard if c.operation is Operation.REMOVE else self.members.add)(c.primary_key)
        return Sent([RowResult(c.primary_key, c.operation, True) for c in changes], {"match_rate": 0.8})

    def replace(self, desired: Sequence[Change], leaving: Sequence[Change] = ()) -> Sent:
        self.calls.append(("replace", len(desired)))
        self.members = {c.primary_key for c in desired}
        return Sent([RowResult(c.primary_key, Operation.ADD, True) for c in desired], {"match_rate": 0.75})


def test_a_large_diff_replaces_and_a_small_one_sends_batches(tables):
    [spec] = parse_syncs(
        {
            "syncs": {
                "aud": {
                    "destination": "customerio_people",
                    "model": "marts.activation_people",
                    "primary_key": "customer_key",
                    "mapping": {"email": "email"},
                    "mode": "mirror",
                }
            }
        }
    )
    spec = replace(spec, full_refresh_share=0.5)
    destination = Membership()
    assert isinstance(destination, FullRefresh)
    first = run_sync(spec, tables.warehouse, destination)  # 30 adds of 30 desired: over half, replace
    assert first.full_refresh and first.added == 30 and destination.calls == [("replace", 30)]
    assert first.match_rate == 0.75

    tables.execute("delete from marts.activation_people where customer_key in ('ck0001', 'ck0002')")
    second = run_sync(spec, tables.warehouse, destination)  # 2 removes: batches
    assert not second.full_refresh and second.removed == 2 and destination.calls[-1] == ("send", 2)
    assert second.match_rate == 0.8

    tables.execute("update marts.activation_people set email = 'x' || email where customer_key < 'ck0020'")
    third = run_sync(spec, tables.warehouse, destination)  # 18 updates of 28: replace again
    assert third.full_refresh and (third.changed, third.added, third.removed) == (18, 0, 0)
    assert destination.members == {f"ck{i:04d}" for i in range(30)} - {"ck0001", "ck0002"}
    state = tables.query("select count(*) as n from ops.sync_state where sync_name = 'aud'")
    assert state["n"][0] == 28


def test_the_runs_table_keeps_a_match_rate_after_runs_without_one(tables):
    [spec] = parse_syncs(
        {
            "syncs": {
                "aud": {
                    "destination": "customerio_people",
                    "model": "marts.activation_people",
                    "primary_key": "customer_key",
                    "mapping": {"email": "email"},
                    "full_refresh_share": 1.0,
                }
            }
        }
    )

    class Silent(Membership):
        def send(self, changes):
            sent = super().send(changes)
            return Sent(sent.results)  # reports no match rate

    run_sync(spec, tables.warehouse, Silent())
    tables.execute("update marts.activation_people set email = 'y' || email where customer_key = 'ck0001'")
    run_sync(spec, tables.warehouse, Membership())
    rates = tables.query("select match_rate from ops.sync_runs order by started_at")["match_rate"].tolist()
    assert rates[0] != rates[0] and rates[1] == 0.8  # NaN (none reported), then Meta-like 0.8
