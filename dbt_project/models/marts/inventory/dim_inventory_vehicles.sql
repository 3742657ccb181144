{#- One row per vehicle ever seen in a feed: its latest description and price,
    how long it has been (or was) in stock, and whether it is still listed. A
    vehicle missing from its rooftop's latest snapshot has sold or been
    removed; the feed does not say which, the DMS sales will. -#}

with

snapshots as (

    select * from {{ ref('stg_dealer__inventory') }}

),

latest_snapshot_per_dealer as (

    select
        dealer_id,
        max(snapshot_date) as latest_snapshot_date
    from snapshots
    group by dealer_id

),

ranked as (

    select
        snapshots.*,
        row_number() over (partition by snapshots.vehicle_id order by snapshots.snapshot_date desc) as recency
    from snapshots

),

seen as (

    select
        vehicle_id,
        min(snapshot_date) as first_seen_date,
        max(snapshot_date) as last_seen_date,
        count(*) as days_listed
    from snapshots
    group by vehicle_id

),

prices as (

    select
        vehicle_id,
        count(*) - 1 as price_change_count,
        min(listed_price) as lowest_listed_price,
        max(listed_price) as highest_listed_price
    from {{ ref('int_inventory__price_changes') }}
    group by vehicle_id

),

final as (

    select
        ranked.vehicle_id,
        ranked.dealer_id,
        ranked.vin,
        ranked.stock_number,
        ranked.condition,
        ranked.model_year,
        ranked.make,
        ranked.model,
        ranked.trim_level,
        ranked.body_style,
        ranked.exterior_color,
        ranked.odometer,
        ranked.msrp,
        ranked.listed_price as current_listed_price,
        prices.highest_listed_price,
        prices.lowest_listed_price,
        prices.price_change_count,
        ranked.vdp_url,
        ranked.image_url,
        coalesce(ranked.date_in_stock, seen.first_seen_date) as date_in_stock,
        seen.first_seen_date,
        seen.last_seen_date,
        seen.last_seen_date = latest.latest_snapshot_date as is_in_stock,
        {{ dbt.datediff(
            "coalesce(ranked.date_in_stock, seen.first_seen_date)",
            "seen.last_seen_date",
            "day"
        ) }} as days_in_stock

    from ranked
    inner join seen on ranked.vehicle_id = seen.vehicle_id
    inner join prices on ranked.vehicle_id = prices.vehicle_id
    inner join latest_snapshot_per_dealer as latest on ranked.dealer_id = latest.dealer_id
    where ranked.recency = 1

)

select * from final
