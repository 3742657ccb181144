-- Both candidates on the same holdout (the latest matured window of ml.propensity_training_data): ML.EVALUATE's
-- roc_auc, log_loss and the rest, one row per candidate. propensity/bqml.py picks the champion by roc_auc (the
-- metric the sklearn engine's champion decision uses) and scores with it (predict_*.sql). Brier score and lift by
-- decile are computed from ML.PREDICT on the same rows by evaluate_calibration.sql, as ML.EVALUATE has neither.

select
    'logistic_reg' as candidate,
    *
from ML.EVALUATE(
    MODEL ml.propensity_logistic_reg,
    (select * except (customer_key, feature_date, is_holdout) from ml.propensity_training_data where is_holdout)
)
union all
select
    'boosted_tree' as candidate,
    *
from ML.EVALUATE(
    MODEL ml.propensity_boosted_tree,
    (select * except (customer_key, feature_date, is_holdout) from ml.propensity_training_data where is_holdout)
);
