select
    sid,
    event_id,
    status,
    error_code,
    cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at
from {{ source('ops', 'response_messages') }}
