-- Candidate 1: regularized (L2) logistic regression over ml.propensity_training_data (training_data.sql).
-- The TRANSFORM is stored with the model, so ML.EVALUATE and ML.PREDICT pass the raw feature columns and both
-- candidates read the same rows: counts as log(1 + n), as the sklearn engine's linear model reads them; a
-- missing day count as "long ago"; no lead as the type "none". Trained on the rows before the holdout
-- (data_split_col is_holdout: true rows are BigQuery ML's evaluation split, never trained on).

create or replace model ml.propensity_logistic_reg
transform (
    ln(1 + coalesce(vdp_views_30d, 0)) as vdp_views_30d,
    ln(1 + coalesce(sessions_30d, 0)) as sessions_30d,
    ln(1 + coalesce(email_sessions_60d, 0)) as email_sessions_60d,
    ln(1 + coalesce(leads_90d, 0)) as leads_90d,
    ln(1 + coalesce(prior_purchases, 0)) as prior_purchases,
    ln(1 + coalesce(vehicles_held, 0)) as vehicles_held,
    coalesce(lease_closeness, 0) as lease_closeness,
    coalesce(service_recency, 0) as service_recency,
    cast(coalesce(purchased_180d, false) as float64) as purchased_180d,
    ml.standard_scaler(coalesce(days_since_last_touch, 3650)) over () as days_since_last_touch,
    ml.standard_scaler(coalesce(tenure_days, 0)) over () as tenure_days,
    coalesce(latest_lead_type_30d, 'none') as latest_lead_type_30d,
    label
)
options (
    model_type = 'logistic_reg',
    input_label_cols = ['label'],
    l2_reg = 1.0,
    max_iterations = 50,
    category_encoding_method = 'one_hot_encoding',
    data_split_method = 'custom',
    data_split_col = 'is_holdout',
    enable_global_explain = true
) as
select * except (customer_key, feature_date)
from ml.propensity_training_data;
