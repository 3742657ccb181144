-- The propensity model's training and holdout rows in BigQuery (JOURNEY_PROPENSITY_ENGINE=bqml), read by
-- train_*.sql and evaluate.sql. journey_assets/propensity/bqml.py runs these files in order, replacing each
-- @parameter with a literal first (BigQuery takes no query parameters in DDL):
--   @as_of_date    the warehouse's last loaded day (settings.as_of_day)
--   @label_days    30: the label is a purchase or lease within this many days after the feature date
--   @holdout_days  the latest matured feature dates kept out of training: the evaluation window
-- Features: the columns of marts.fct_customer_features_daily the sklearn engine reads
-- (journey_assets/propensity/features.py FEATURE_COLUMNS), as they are; each model's TRANSFORM prepares them.
-- Label: a DMS deal (sale or lease) on days (T, T + @label_days]; only feature dates whose window has passed.
-- is_holdout: the split is by time, never at random: the latest @holdout_days matured dates.

create or replace view ml.propensity_training_data as
with

features as (

    select *
    from marts.fct_customer_features_daily
    where feature_date <= date_sub(@as_of_date, interval @label_days day)

),

deals as (

    select
        customer_key,
        sold_on
    from intermediate.int_journey__customer_deals

)

select
    f.customer_key,
    f.feature_date,
    f.vdp_views_30d,
    f.sessions_30d,
    f.email_sessions_60d,
    f.leads_90d,
    f.prior_purchases,
    f.vehicles_held,
    f.lease_closeness,
    f.service_recency,
    f.purchased_180d,
    f.days_since_last_touch,
    f.tenure_days,
    f.latest_lead_type_30d,
    cast(exists (
        select 1
        from deals
        where deals.customer_key = f.customer_key
            and deals.sold_on > f.feature_date
            and deals.sold_on <= date_add(f.feature_date, interval @label_days day)
    ) as int64) as label,
    f.feature_date > date_sub(@as_of_date, interval @label_days + @holdout_days day) as is_holdout
from features as f;
