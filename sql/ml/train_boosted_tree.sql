-- Candidate 2: gradient-boosted trees over the same rows and time split as train_logistic_reg.sql. Trees need
-- no log of counts and no scaling; a null stays null (XGBoost learns which way it goes). Early stopping on the
-- holdout's loss keeps the trees from memorising the training days.

create or replace model ml.propensity_boosted_tree
transform (
    vdp_views_30d,
    sessions_30d,
    email_sessions_60d,
    leads_90d,
    prior_purchases,
    vehicles_held,
    lease_closeness,
    service_recency,
    cast(purchased_180d as float64) as purchased_180d,
    days_since_last_touch,
    tenure_days,
    coalesce(latest_lead_type_30d, 'none') as latest_lead_type_30d,
    label
)
options (
    model_type = 'boosted_tree_classifier',
    input_label_cols = ['label'],
    booster_type = 'gbtree',
    max_iterations = 200,
    learn_rate = 0.05,
    max_tree_depth = 4,
    subsample = 0.8,
    l2_reg = 1.0,
    early_stop = true,
    min_rel_progress = 0.001,
    data_split_method = 'custom',
    data_split_col = 'is_holdout',
    enable_global_explain = true
) as
select * except (customer_key, feature_date)
from ml.propensity_training_data;
