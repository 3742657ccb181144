"""syncs.yml: the repo's file loads, and a bad sync is refused with an error naming the sync and the field."""

from __future__ import annotations

import pytest

from journey_assets.activation.spec import SyncSpecError, destination_kinds, load_syncs, parse_syncs


def test_the_repo_syncs_load_with_registered_destinations():
    specs = {spec.name: spec for spec in load_syncs()}
    assert {"customerio_people", "customerio_segment_service_due"} <= set(specs)
    assert specs["customerio_people"].source_tables() == ["marts.activation_people"]
    assert specs["customerio_segment_service_due"].source_tables() == ["marts.customer_segments_current"]
    assert {"customerio_people", "customerio_segment"} <= set(destination_kinds())


def _one(**fields):
    base = {"destination": "customerio_people", "model": "marts.x", "primary_key": "customer_key"}
    return {"syncs": {"s1": {**base, **fields}}}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"mode": "sometimes"}, "sync 's1': field 'mode' must be one of upsert, mirror, additive"),
        ({"destination": "fax"}, "sync 's1': field 'destination' is 'fax'; known kinds:"),
        ({"sql": "select 1"}, "sync 's1': give exactly one of 'sql'"),
        ({"primary_key": ""}, "sync 's1': field 'primary_key' is required"),
        ({"max_failed_share": 2}, "sync 's1': field 'max_failed_share' must be a number between 0 and 1"),
        ({"mapping": ["a"]}, "sync 's1': field 'mapping' must map"),
        ({"colour": "red"}, "sync 's1': unknown field(s) colour"),
        ({"params": {"segment_id": "${NOT_SET_ANYWHERE_42}"}}, "reads ${NOT_SET_ANYWHERE_42}, which is not set"),
        ({"optional_joins": [{"table": "x", "using": "k", "columns": {"a": "b"}}]}, "optional_joins[0].table"),
    ],
)
def test_a_bad_sync_is_refused_naming_the_sync_and_the_field(fields, message):
    with pytest.raises(SyncSpecError) as info:
        parse_syncs(_one(**fields))
    assert message in str(info.value)


def test_a_segment_without_a_numeric_segment_id_is_refused_when_built():
    from journey_assets.activation.spec import build_destination

    [spec] = parse_syncs(_one(destination="customerio_segment", params={"segment_id": "service-due"}))
    with pytest.raises(SyncSpecError, match="params.segment_id must be the manual segment's number"):
        build_destination(spec, {"customerio": object()})
