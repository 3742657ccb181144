{#- The point-in-time customer features for the days in a `feature_dates` CTE (one column,
    feature_date) that the calling model defines first: the CTEs after it and the final select.
    fct_customer_features_daily calls it for its window of days; the propensity training set
    (models/marts/ml) for its snapshot dates, so both read the same definitions. See
    fct_customer_features_daily.sql for what "point in time" means here. -#}

{% macro customer_features_after_feature_dates() %}
{%- set days_per_month = var('features_days_per_month') -%}
{%- set horizon = var('features_lease_horizon_months') -%}

first_feature_date as (

    select min(feature_date) as feature_date
    from feature_dates

),

---------- who is known, and since when

customers as (

    -- a person is known from their first CRM or DMS record (dim_customers.first_seen_at)
    select
        customers.customer_key,
        customers.dealer_id,
        {{ to_local_date('customers.first_seen_at', 'rooftops.timezone') }} as first_known_on
    from {{ ref('dim_customers') }} as customers
    left join {{ ref('stg_dealer__rooftops') }} as rooftops on customers.dealer_id = rooftops.dealer_id

),

spine as (

    select
        customers.customer_key,
        customers.dealer_id,
        customers.first_known_on,
        feature_dates.feature_date
    from customers
    cross join feature_dates
    where customers.first_known_on is null or customers.first_known_on <= feature_dates.feature_date

),

---------- web sessions: the last 60 days (30 for VDP views and sessions)

sessions_by_date as (

    select
        feature_dates.feature_date,
        sessions.customer_key,
        sum(
            case
                when sessions.session_date > cast({{ dbt.dateadd('day', -30, 'feature_dates.feature_date') }} as date)
                    then sessions.vdp_views
                else 0
            end
        ) as vdp_views_30d,
        sum(
            case
                when sessions.session_date > cast({{ dbt.dateadd('day', -30, 'feature_dates.feature_date') }} as date)
                    then 1
                else 0
            end
        ) as sessions_30d,
        sum(case when sessions.is_email then 1 else 0 end) as email_sessions_60d
    from feature_dates
    inner join {{ ref('int_journey__customer_sessions') }} as sessions
        on
            sessions.known_on <= feature_dates.feature_date
            and sessions.session_date > cast({{ dbt.dateadd('day', -60, 'feature_dates.feature_date') }} as date)
    group by feature_dates.feature_date, sessions.customer_key

),

---------- CRM leads: the last 90 days

leads_in_window as (

    select
        feature_dates.feature_date,
        leads.customer_key,
        leads.lead_type,
        leads.lead_on,
        row_number() over (
            partition by feature_dates.feature_date, leads.customer_key
            order by leads.created_at desc, leads.crm_lead_id desc
        ) as recency_rank
    from feature_dates
    inner join {{ ref('int_journey__customer_leads') }} as leads
        on
            leads.lead_on <= feature_dates.feature_date
            and leads.lead_on > cast({{ dbt.dateadd('day', -90, 'feature_dates.feature_date') }} as date)

),

leads_by_date as (

    select
        feature_date,
        customer_key,
        count(*) as leads_90d,
        max(
            case
                when recency_rank = 1 and lead_on > cast({{ dbt.dateadd('day', -30, 'feature_date') }} as date)
                    then lead_type
            end
        ) as latest_lead_type_30d
    from leads_in_window
    group by feature_date, customer_key

),

---------- touches (any session, lead, deal or service visit) and service visits, over all history

touches as (

    select
        customer_key,
        session_date as touch_on,
        known_on,
        false as is_service
    from {{ ref('int_journey__customer_sessions') }}
    union all
    select
        customer_key,
        lead_on as touch_on,
        lead_on as known_on,
        false as is_service
    from {{ ref('int_journey__customer_leads') }}
    union all
    select
        customer_key,
        sold_on as touch_on,
        sold_on as known_on,
        false as is_service
    from {{ ref('int_journey__customer_deals') }}
    union all
    select
        customer_key,
        visit_date as touch_on,
        visit_date as known_on,
        true as is_service
    from {{ ref('int_journey__customer_service_visits') }}

),

touches_before_window as (

    -- everything known before the first computed day, once per customer
    select
        touches.customer_key,
        max(touches.touch_on) as last_touch_on,
        max(case when touches.is_service then touches.touch_on end) as last_service_on
    from touches
    inner join first_feature_date on touches.known_on < first_feature_date.feature_date
    group by touches.customer_key

),

touches_in_window as (

    select
        feature_dates.feature_date,
        touches.customer_key,
        max(touches.touch_on) as last_touch_on,
        max(case when touches.is_service then touches.touch_on end) as last_service_on
    from touches
    inner join first_feature_date on touches.known_on >= first_feature_date.feature_date
    inner join feature_dates on touches.known_on <= feature_dates.feature_date
    group by feature_dates.feature_date, touches.customer_key

),

---------- vehicles: held, bought here, leases

vehicles_by_date as (

    select
        feature_dates.feature_date,
        vehicles.customer_key,
        count(*) as vehicles_held,
        sum(
            case when vehicles.acquired_here and vehicles.acquired_date <= feature_dates.feature_date then 1 else 0 end
        ) as prior_purchases,
        max(
            case
                when
                    vehicles.acquired_here
                    and vehicles.acquired_date <= feature_dates.feature_date
                    and vehicles.acquired_date
                    > cast({{ dbt.dateadd('day', -180, 'feature_dates.feature_date') }} as date)
                    then 1
                else 0
            end
        ) as purchased_180d,
        min(
            case
                when
                    vehicles.acquisition = 'lease'
                    and vehicles.acquired_date <= feature_dates.feature_date
                    and vehicles.lease_maturity_date >= cast(
                        {{ dbt.dateadd('day', -var('features_lease_grace_days'), 'feature_dates.feature_date') }}
                        as date
                    )
                    then {{ dbt.datediff('feature_dates.feature_date', 'vehicles.lease_maturity_date', 'day') }}
            end
        ) as days_to_lease_maturity
    from feature_dates
    inner join {{ ref('int_journey__customer_vehicles') }} as vehicles
        on vehicles.known_on <= feature_dates.feature_date
    group by feature_dates.feature_date, vehicles.customer_key

),

combined as (

    select
        spine.customer_key,
        spine.feature_date,
        spine.dealer_id,
        spine.first_known_on,
        coalesce(sessions_by_date.vdp_views_30d, 0) as vdp_views_30d,
        coalesce(sessions_by_date.sessions_30d, 0) as sessions_30d,
        coalesce(sessions_by_date.email_sessions_60d, 0) as email_sessions_60d,
        coalesce(leads_by_date.leads_90d, 0) as leads_90d,
        leads_by_date.latest_lead_type_30d,
        vehicles_by_date.days_to_lease_maturity,
        coalesce(vehicles_by_date.vehicles_held, 0) as vehicles_held,
        coalesce(vehicles_by_date.prior_purchases, 0) as prior_purchases,
        coalesce(vehicles_by_date.purchased_180d, 0) = 1 as purchased_180d,
        -- the later of the two; greatest() alone would return null on BigQuery when either is null
        greatest(
            coalesce(touches_in_window.last_touch_on, touches_before_window.last_touch_on),
            coalesce(touches_before_window.last_touch_on, touches_in_window.last_touch_on)
        ) as last_touch_on,
        greatest(
            coalesce(touches_in_window.last_service_on, touches_before_window.last_service_on),
            coalesce(touches_before_window.last_service_on, touches_in_window.last_service_on)
        ) as last_service_on
    from spine
    left join sessions_by_date
        on spine.customer_key = sessions_by_date.customer_key and spine.feature_date = sessions_by_date.feature_date
    left join leads_by_date
        on spine.customer_key = leads_by_date.customer_key and spine.feature_date = leads_by_date.feature_date
    left join vehicles_by_date
        on spine.customer_key = vehicles_by_date.customer_key and spine.feature_date = vehicles_by_date.feature_date
    left join touches_in_window
        on spine.customer_key = touches_in_window.customer_key and spine.feature_date = touches_in_window.feature_date
    left join touches_before_window on spine.customer_key = touches_before_window.customer_key

),

day_counts as (

    select
        *,
        {{ dbt.datediff('last_service_on', 'feature_date', 'day') }}
            as days_since_service,
        {{ dbt.datediff('last_touch_on', 'feature_date', 'day') }}
            as days_since_last_touch,
        {{ dbt.datediff('first_known_on', 'feature_date', 'day') }}
            as tenure_days
    from combined

)

select
    customer_key,
    feature_date,
    dealer_id,
    vdp_views_30d,
    sessions_30d,
    email_sessions_60d,
    leads_90d,
    latest_lead_type_30d,
    days_to_lease_maturity / {{ days_per_month }} as months_to_lease_maturity,
    case
        when days_to_lease_maturity is null then 0.0
        else least(greatest(({{ horizon }} - days_to_lease_maturity / {{ days_per_month }}) / {{ horizon }}, 0.0), 1.0)
    end as lease_closeness,
    days_since_service / {{ days_per_month }} as months_since_service,
    case
        when days_since_service is null then 0.0
        else exp(-(days_since_service / {{ days_per_month }}) / {{ var('features_service_decay_months') }})
    end as service_recency,
    prior_purchases,
    purchased_180d,
    vehicles_held,
    days_since_last_touch,
    tenure_days
from day_counts
{% endmacro %}
