"""The responder's dependencies, built one way for both responders: the Dagster `respond` job and `journey respond`.

Both take the same resources (`RESPOND_RESOURCE_KEYS`, configured by `respond_resources` and the
batch plane's shared CRM, inventory feed and Meta) and turn them into one `ResponseDeps` here: the
same clients, ledger, scorer, routing and config, so the long-running responder and the catch-up run
never drift apart. The job passes its op's resources; `journey respond` builds the same resource
definitions from the settings with `dg.build_resources` (which resolves prod's `EnvVar` secrets as a
run does) and keeps the deps for its whole life (the champion model and the inventory cache are loaded
once).

One more client (the `customerio` Track API resource, say) is one key in `RESPOND_RESOURCE_KEYS`, the
job op's parameter of that name (which declares it to Dagster; the op hands `context.resources` by these
keys to the builder) and one line in `response_deps`. `tests/defs/respond/test_respond_deps.py` fails
when the op's resources and the keys part.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg

from journey_assets.connectors.http import RetryPolicy
from journey_assets.connectors.meta import MetaGraphClient, ThrottlePolicy
from journey_assets.response.features import FeatureStore
from journey_assets.response.ledger import ResponseLedger
from journey_assets.response.model import ResponseConfig, ResponseDeps
from journey_assets.settings import Settings

# What a responder needs, by resource key (the job's op takes exactly these, plus `respond_events`).
RESPOND_RESOURCE_KEYS = (
    "respond_ledger",
    "respond_settings",
    "respond_twilio",
    "respond_wrike",
    "respond_slack",
    "respond_customerio",
    "crm",
    "dealer_inventory",
    "meta",
    "respond_features",
)

# A lead read sits on the speed-to-lead path: a throttled or failing Graph call gives up in seconds and
# the lead stays `pending` for the next pass, rather than the batch plane's minutes of backoff.
RESPOND_META_THROTTLE = ThrottlePolicy(threshold_pct=90.0, max_pause=2.0, retries=1, backoff=2.0, backoff_max=5.0)
RESPOND_META_RETRY = RetryPolicy(total=2, backoff_factor=0.5, backoff_max=5.0)


def _meta_client(meta: Any, log: Any) -> MetaGraphClient | None:
    """The batch plane's Meta resource (URL, token, API version) with the response plane's short patience."""
    try:
        return MetaGraphClient(
            meta.base_url,
            meta.access_token,
            api_version=meta.api_version,
            throttle=RESPOND_META_THROTTLE,
            retry=RESPOND_META_RETRY,
            timeout=min(meta.timeout_seconds, 15.0),
        )
    except (ValueError, dg.DagsterError) as exc:
        log.warning(f"respond: Meta not configured ({exc}); lead-ad leads cannot be read")
        return None


def _client(resource: Any, log: Any, what: str) -> Any:
    """A vendor client, or None (that action is recorded as skipped) when its configuration is missing."""
    try:
        return resource.client()
    except (ValueError, dg.DagsterError) as exc:
        log.warning(f"respond: {what} not configured ({exc}); its actions are skipped")
        return None


def response_deps(
    resources: Mapping[str, Any], ledger: ResponseLedger, features: FeatureStore | None, log: Any
) -> ResponseDeps:
    """`ResponseDeps` from the responder's resources (see the module docstring); the ledger and features opened."""
    settings = resources["respond_settings"]
    return ResponseDeps(
        ledger=ledger,
        roster=settings.roster(),
        twilio=_client(resources["respond_twilio"], log, "Twilio"),
        crm=_client(resources["crm"], log, "the CRM"),
        wrike=_client(resources["respond_wrike"], log, "Wrike"),
        slack=_client(resources["respond_slack"], log, "Slack"),
        email=_client(resources["respond_customerio"], log, "Customer.io"),
        inventory=_client(resources["dealer_inventory"], log, "the inventory feed"),
        meta=_meta_client(resources["meta"], log),
        lead_ad_routing=settings.lead_ad_routing(),
        scorer=settings.lead_scorer(),
        features=features,
        config=ResponseConfig(
            vendor_name=settings.vendor_name,
            wrike_folder_id=settings.wrike_folder(),
            fallback_email_message_id=settings.fallback_email_message_id,
            routing=settings.routing(),
        ),
        dry_run=settings.dry_run,
        logger=log,
    )


@contextlib.contextmanager
def opened_response_deps(resources: Mapping[str, Any], log: Any) -> Iterator[ResponseDeps]:
    """The deps with their ledger and feature store open, closed on the way out."""
    ledger = resources["respond_ledger"].open()
    try:
        features = resources["respond_features"].open()
        try:
            yield response_deps(resources, ledger, features, log)
        finally:
            features.close()
    finally:
        ledger.close()


def responder_resource_defs(settings: Settings) -> dict[str, Any]:
    """The resource definitions the `respond` job gets in `settings`' environment, for a responder outside Dagster
    (`respond_events` included: the store it follows)."""
    from journey_assets.defs.resources import ingest_resources
    from journey_assets.defs.respond.resources import respond_resources

    every = {**ingest_resources(settings), **respond_resources(settings)}
    return {key: every[key] for key in (*RESPOND_RESOURCE_KEYS, "respond_events")}


@contextlib.contextmanager
def standalone_resources(settings: Settings) -> Iterator[Mapping[str, Any]]:
    """The responder's resources initialized as a run would (prod's `EnvVar` secrets read now, never stored)."""
    with dg.build_resources(responder_resource_defs(settings)) as built:
        yield {key: getattr(built, key) for key in (*RESPOND_RESOURCE_KEYS, "respond_events")}
