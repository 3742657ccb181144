-- marts.customer_scores from the BigQuery ML champion, in the shape the sklearn engine writes
-- (/work/notes contract: customer_key, dealer_id, score, decile, tier, model_version, scored_at): every person's
-- features of @as_of_date scored by the champion (propensity/bqml.py names it in place of
-- ml.propensity_champion), decile 10 the highest scores, tiers from the same cut-offs the response plane reads
-- (@hot_threshold, @warm_threshold: settings.propensity_tiers).
--   @model_version  e.g. bqml-boosted_tree-20261201: the engine, the candidate and the day it was trained

create or replace table marts.customer_scores
cluster by dealer_id
as
with

scored as (

    select
        customer_key,
        dealer_id,
        (select p.prob from unnest(predicted_label_probs) as p where p.label = 1) as score
    from ML.PREDICT(
        MODEL ml.propensity_champion,
        (select * from marts.fct_customer_features_daily where feature_date = @as_of_date)
    )

)

select
    customer_key,
    dealer_id,
    score,
    ntile(10) over (order by score, customer_key) as decile,
    case
        when score >= @hot_threshold then 'hot'
        when score >= @warm_threshold then 'warm'
        else 'cold'
    end as tier,
    @model_version as model_version,
    current_timestamp() as scored_at
from scored;
