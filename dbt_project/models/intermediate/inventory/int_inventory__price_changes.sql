{#- Collapses daily snapshots into price spells: a new row whenever a vehicle's
    listed price differs from the day before it was last seen. Derived from the
    partitioned raw snapshots rather than a dbt snapshot, so re-running or
    backfilling any day rebuilds the same history. -#}

with

daily as (

    select
        vehicle_id,
        dealer_id,
        vin,
        snapshot_date,
        listed_price,
        lag(listed_price) over (partition by vehicle_id order by snapshot_date) as previous_price,
        row_number() over (partition by vehicle_id order by snapshot_date) as day_number
    from {{ ref('stg_dealer__inventory') }}

),

changes as (

    select
        vehicle_id,
        dealer_id,
        vin,
        snapshot_date as valid_from,
        listed_price,
        previous_price
    from daily
    where
        day_number = 1
        or listed_price is distinct from previous_price

)

select
    vehicle_id,
    dealer_id,
    vin,
    listed_price,
    previous_price,
    valid_from,
    lead(valid_from) over (partition by vehicle_id order by valid_from) as valid_to_exclusive
from changes
