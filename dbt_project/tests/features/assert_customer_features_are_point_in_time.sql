{#- No feature for day T counts anything dated after T. Checked against the attributed sources
    directly, with bounds that hold whatever the feature logic (a count over days <= T can never
    exceed the records dated in its window), on the earliest and the latest feature dates (the
    earliest has the most later data that could leak). Returns the rows that break a bound. -#}

with

checked_dates as (

    select min(feature_date) as feature_date from {{ ref('fct_customer_features_daily') }}
    union all
    select max(feature_date) as feature_date from {{ ref('fct_customer_features_daily') }}

),

features as (

    select features.*
    from {{ ref('fct_customer_features_daily') }} as features
    inner join checked_dates on features.feature_date = checked_dates.feature_date

),

sessions as (

    select
        features.customer_key,
        features.feature_date,
        count(*) as sessions_30d,
        sum(sessions.vdp_views) as vdp_views_30d
    from features
    inner join {{ ref('int_journey__customer_sessions') }} as sessions
        on
            features.customer_key = sessions.customer_key
            and sessions.session_date <= features.feature_date
            and sessions.session_date > cast({{ dbt.dateadd('day', -30, 'features.feature_date') }} as date)
    group by features.customer_key, features.feature_date

),

leads as (

    select
        features.customer_key,
        features.feature_date,
        count(*) as leads_90d,
        sum(
            case
                when
                    leads.lead_type = features.latest_lead_type_30d
                    and leads.lead_on > cast({{ dbt.dateadd('day', -30, 'features.feature_date') }} as date)
                    then 1
                else 0
            end
        ) as leads_of_latest_type_30d
    from features
    inner join {{ ref('int_journey__customer_leads') }} as leads
        on
            features.customer_key = leads.customer_key
            and leads.lead_on <= features.feature_date
            and leads.lead_on > cast({{ dbt.dateadd('day', -90, 'features.feature_date') }} as date)
    group by features.customer_key, features.feature_date

),

vehicles as (

    select
        features.customer_key,
        features.feature_date,
        count(*) as vehicles_held,
        sum(case when vehicles.acquired_here and vehicles.acquired_date <= features.feature_date then 1 else 0 end)
            as prior_purchases
    from features
    inner join {{ ref('int_journey__customer_vehicles') }} as vehicles
        on
            features.customer_key = vehicles.customer_key
            and vehicles.known_on <= features.feature_date
    group by features.customer_key, features.feature_date

)

select
    features.customer_key,
    features.feature_date
from features
left join sessions
    on features.customer_key = sessions.customer_key and features.feature_date = sessions.feature_date
left join leads
    on features.customer_key = leads.customer_key and features.feature_date = leads.feature_date
left join vehicles
    on features.customer_key = vehicles.customer_key and features.feature_date = vehicles.feature_date
where
    features.sessions_30d > coalesce(sessions.sessions_30d, 0)
    or features.vdp_views_30d > coalesce(sessions.vdp_views_30d, 0)
    or features.leads_90d > coalesce(leads.leads_90d, 0)
    or (features.latest_lead_type_30d is not null and coalesce(leads.leads_of_latest_type_30d, 0) = 0)
    or features.vehicles_held > coalesce(vehicles.vehicles_held, 0)
    or features.prior_purchases > coalesce(vehicles.prior_purchases, 0)
    or features.days_since_last_touch < 0
    or features.months_since_service < 0
    or features.tenure_days < 0
