with

source as (

    select * from {{ source('pagespeed', 'pagespeed_results') }}

),

renamed as (

    select

        ----------  ids
        cast(dealer_id as {{ dbt.type_string() }}) as dealer_id,
        template as page_template,
        strategy,
        requested_url as page_url,

        ---------- lab (Lighthouse, one run)
        cast(performance_score as {{ dbt.type_float() }}) as performance_score,
        cast(round(performance_score * 100) as {{ dbt.type_int() }}) as performance_score_100,
        lab_lcp_ms,
        lab_cls,
        lab_fcp_ms,
        lab_ttfb_ms,
        lab_tbt_ms,

        ---------- field (Chrome UX Report, 75th percentile of 28 days; null without enough traffic)
        field_lcp_p75_ms,
        field_inp_p75_ms,
        field_cls_p75,
        field_fcp_p75_ms,
        field_ttfb_p75_ms,
        field_overall_category,
        (
            field_lcp_p75_ms <= 2500
            and field_inp_p75_ms <= 200
            and field_cls_p75 <= 0.1
        ) as passes_core_web_vitals,

        ---------- run
        lighthouse_version,
        fetch_time as measured_at,

        ---------- dates
        cast(snapshot_date as date) as snapshot_date,
        loaded_at

    from source

)

select * from renamed
