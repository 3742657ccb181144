{#- The features the nightly batch scores: every person's row of fct_customer_features_daily on
    as_of_date, so the scoring asset reads one day, not the mart's whole window. -#}

select *
from {{ ref('fct_customer_features_daily') }}
where feature_date = cast({{ as_of_date() }} as date)
