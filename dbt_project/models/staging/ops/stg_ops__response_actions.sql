with

source as (

    select * from {{ source('ops', 'response_actions') }}

)

select
    ---------- ids
    event_id,
    action,
    vendor,
    vendor_ref,
    dealer_id,
    ---------- outcome
    status,
    attempts,
    ---------- the event
    event_kind,
    event_type,
    event_source,
    ---------- times
    cast(received_at as {{ dbt.type_timestamp() }}) as received_at,
    cast(started_at as {{ dbt.type_timestamp() }}) as started_at,
    cast(finished_at as {{ dbt.type_timestamp() }}) as finished_at,
    cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
    loaded_at
from source
