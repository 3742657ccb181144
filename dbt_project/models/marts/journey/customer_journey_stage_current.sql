{#- Each customer's stage on as_of_date: the spell that still holds (one per customer at most). -#}

select
    customer_key,
    dealer_id,
    stage,
    entered_on as stage_entered_on,
    {{ dbt.datediff('entered_on', as_of_date(), 'day') }}
        as days_in_stage,
    entry_reason
from {{ ref('fct_customer_journey_stages') }}
where exited_on is null
