"""The PageSpeed Insights client against the sandbox fake over real HTTP, including each injected fault."""

from __future__ import annotations

import json

import pytest
from support.google_world import FAST, VINS

from journey_assets.connectors.http import MalformedResponseError, PermanentVendorError, TransientVendorError
from journey_assets.connectors.pagespeed import PageSpeedClient

HOME = "https://www.d01.example/"


def client(sandbox, **kwargs) -> PageSpeedClient:
    kwargs.setdefault("retry", FAST)
    kwargs.setdefault("timeout", 2.0)
    return PageSpeedClient(sandbox.vendor_url("pagespeed"), "test-key", **kwargs)


def test_lab_and_field_figures_of_a_page(gsandbox):
    result = client(gsandbox).run(HOME, "mobile")
    assert result["performance_score"] == 0.82
    assert result["lab_lcp_ms"] == 4200 and result["lab_cls"] == 0.12 and result["lab_ttfb_ms"] == 700
    assert result["field_lcp_p75_ms"] == 4200 and result["field_inp_p75_ms"] == 240
    assert result["field_cls_p75"] == 0.12  # CrUX sends CLS x 100
    assert result["field_overall_category"] == "SLOW" and result["runtime_error"] is None
    request = gsandbox.log.rows("pagespeed")[0]
    assert json.loads(request["query"]) == {"url": [HOME], "strategy": ["mobile"], "category": ["performance"]}
    assert "test-key" not in request["query"]  # the key travels in X-Goog-Api-Key, not the URL


def test_template_is_read_from_the_path_when_the_url_is_not_listed(gsandbox):
    desktop = client(gsandbox).run(f"https://d01.example/used/2023-toyota-rav4-{VINS[1]}", "desktop")
    assert desktop["performance_score"] == 0.54  # the vehicle-detail row, desktop


def test_a_page_lighthouse_cannot_measure_is_a_row_with_its_reason(gsandbox):
    gsandbox.inject("pagespeed", "partial", times=1)
    result = client(gsandbox).run(HOME, "mobile")
    assert result["performance_score"] is None and result["runtime_error"].startswith("NO_FCP: ")
    assert result["lab_lcp_ms"] is None


def test_an_unknown_site_is_permanent_with_lighthouses_reason(gsandbox):
    with pytest.raises(PermanentVendorError) as error:
        client(gsandbox).run("https://nowhere.example/", "mobile")
    assert "FAILED_DOCUMENT_REQUEST" in error.value.reason


@pytest.mark.parametrize("kind", ["rate_limit", "server_error", "drop"])
def test_a_transient_fault_is_retried(gsandbox, kind):
    gsandbox.inject("pagespeed", kind, times=1, retry_after=0)
    assert client(gsandbox).run(HOME)["performance_score"] == 0.82
    statuses = [r["status"] for r in gsandbox.log.rows("pagespeed")]
    assert statuses[0] != 200 and statuses[-1] == 200


def test_a_slow_answer_times_out_and_is_retried(gsandbox):
    gsandbox.inject("pagespeed", "timeout", times=1, delay=0.8)
    assert client(gsandbox, timeout=0.3).run(HOME)["performance_score"] == 0.82
    assert len(gsandbox.log.rows("pagespeed")) == 2


def test_a_persistent_outage_fails_loudly(gsandbox):
    gsandbox.inject("pagespeed", "server_error", times=-1, status=500)
    with pytest.raises(TransientVendorError) as error:
        client(gsandbox).run(HOME)
    assert error.value.status == 500


def test_a_malformed_answer_fails_loudly(gsandbox):
    gsandbox.inject("pagespeed", "malformed", times=1)
    with pytest.raises(MalformedResponseError):
        client(gsandbox).run(HOME)
