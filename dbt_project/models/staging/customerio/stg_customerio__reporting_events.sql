{#- One row per Customer.io reporting event: typed, the message it reports on named by one campaign key. -#}
with

source as (

    select * from {{ source('customerio', 'customerio_reporting_events') }}

),

renamed as (

    select

        ----------  ids
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(delivery_id as {{ dbt.type_string() }}) as delivery_id,
        cast(customer_id as {{ dbt.type_string() }}) as customerio_customer_id,

        ---------- what happened
        lower(object_type) as object_type,
        lower(metric) as metric,
        lower(metric) in ('sent', 'delivered', 'opened', 'clicked', 'bounced', 'unsubscribed') as is_counted_metric,

        ---------- which message: newsletters, broadcasts, campaigns and transactional messages share one key
        case
            when newsletter_id is not null then 'newsletter'
            when broadcast_id is not null then 'broadcast'
            when campaign_id is not null then 'campaign'
            when transactional_message_id is not null then 'transactional'
            else 'unknown'
        end as campaign_type,
        case
            when newsletter_id is not null then 'newsletter:' || newsletter_id
            when broadcast_id is not null then 'broadcast:' || broadcast_id
            when campaign_id is not null then 'campaign:' || campaign_id
            when transactional_message_id is not null then 'transactional:' || transactional_message_id
            else 'unknown'
        end as campaign_key,
        cast(newsletter_id as {{ dbt.type_string() }}) as newsletter_id,
        cast(broadcast_id as {{ dbt.type_string() }}) as broadcast_id,
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(action_id as {{ dbt.type_string() }}) as action_id,
        cast(transactional_message_id as {{ dbt.type_string() }}) as transactional_message_id,

        ---------- who (lowercased at the intake)
        nullif(trim(email_address), '') as email_address,

        ---------- dates
        cast(occurred_at as {{ dbt.type_timestamp() }}) as occurred_at,
        cast(received_at as {{ dbt.type_timestamp() }}) as received_at,
        loaded_at

    from source

)

select * from renamed
