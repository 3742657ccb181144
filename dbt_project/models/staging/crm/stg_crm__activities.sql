with

source as (

    select * from {{ source('crm', 'crm_activities') }}

),

renamed as (

    select

        ----------  ids
        cast(activity_id as {{ dbt.type_string() }}) as activity_id,
        cast(lead_id as {{ dbt.type_string() }}) as crm_lead_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(dealer_id as {{ dbt.type_string() }}) as dealer_id,
        cast(salesperson_id as {{ dbt.type_string() }}) as salesperson_id,

        ---------- activity
        lower(activity_type) as activity_type,
        lower(outcome) as outcome,

        ---------- dates
        cast(occurred_at as {{ dbt.type_timestamp() }}) as occurred_at,
        cast(occurred_date as date) as occurred_date,
        loaded_at

    from source

)

select * from renamed
