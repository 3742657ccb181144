{#- Retention: an owner with a service relationship: a repair order in the DMS for a vehicle the
    person brings in (a service visit implies the person holds the vehicle, bought here or not). -#}

select
    customer_key,
    visit_date as signal_date,
    count(*) as service_visits,
    'service_visit' as entry_reason
from {{ ref('int_journey__customer_service_visits') }}
where visit_date <= {{ as_of_date() }}
group by customer_key, visit_date
