with

source as (

    select * from {{ source('crm', 'crm_leads') }}

),

changes as (

    -- one row per status a lead was seen in at the end of a day it changed
    select distinct
        cast(lead_id as {{ dbt.type_string() }}) as crm_lead_id,
        cast(dealer_id as {{ dbt.type_string() }}) as dealer_id,
        lower(status) as status,
        cast(salesperson_id as {{ dbt.type_string() }}) as salesperson_id,
        cast(updated_at as {{ dbt.type_timestamp() }}) as changed_at,
        cast(updated_date as date) as changed_date
    from source

)

select
    {{ surrogate_key(['crm_lead_id', 'changed_at']) }} as lead_status_change_key,
    *
from changes
