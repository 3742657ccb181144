-- The chosen model (propensity/bqml.py names it in place of ml.propensity_champion) on the holdout: Brier score
-- and, by decile of the score (10 = highest), people, buyers, the buy rate, lift over the overall rate and the
-- share of all buyers captured: the figures the sklearn engine's metadata shows, so the two engines compare.

with

scored as (

    select
        label,
        (select p.prob from unnest(predicted_label_probs) as p where p.label = 1) as score
    from ML.PREDICT(
        MODEL ml.propensity_champion,
        (select * except (is_holdout) from ml.propensity_training_data where is_holdout)
    )

),

deciled as (

    select
        label,
        score,
        ntile(10) over (order by score) as decile
    from scored

),

overall as (

    select
        avg(label) as base_rate,
        sum(label) as buyers,
        avg(pow(score - label, 2)) as brier_score
    from deciled

)

select
    deciled.decile,
    count(*) as people,
    sum(deciled.label) as buyers,
    avg(deciled.label) as buy_rate,
    avg(deciled.score) as mean_score,
    safe_divide(avg(deciled.label), any_value(overall.base_rate)) as lift,
    safe_divide(sum(deciled.label), any_value(overall.buyers)) as capture,
    any_value(overall.brier_score) as brier_score
from deciled
cross join overall
group by deciled.decile
order by deciled.decile desc;
