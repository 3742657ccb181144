{#- One row per person: the identity clusters collapsed, each attribute from the
    record that knows it best. Contacts: a valid address first, then one the
    person consented to on that channel, then the most recently changed. -#}

with

records as (

    select
        clusters.customer_key,
        source_records.*
    from {{ ref('int_identity__source_records') }} as source_records
    inner join {{ ref('int_identity__clusters') }} as clusters
        on source_records.record_key = clusters.record_key

),

ranked as (

    select
        records.*,
        row_number() over (
            partition by records.customer_key order by records.last_changed_at desc, records.record_key asc
        ) as recency_rank,
        -- Rows without the value sort last, so rank 1 has it whenever any record does.
        row_number() over (
            partition by records.customer_key
            order by
                case when records.email_normalized is null then 1 else 0 end,
                records.email_consent desc,
                records.last_changed_at desc,
                records.record_key asc
        ) as email_rank,
        row_number() over (
            partition by records.customer_key
            order by
                case when records.phone_e164 is null then 1 else 0 end,
                records.sms_consent desc,
                records.last_changed_at desc,
                records.record_key asc
        ) as phone_rank,
        row_number() over (
            partition by records.customer_key
            order by
                case when records.address_normalized is null or records.zip5 is null then 1 else 0 end,
                records.last_changed_at desc,
                records.record_key asc
        ) as address_rank,
        row_number() over (
            partition by records.customer_key
            order by
                case when records.birth_year is null then 1 else 0 end,
                records.last_changed_at desc,
                records.record_key asc
        ) as birth_year_rank,
        row_number() over (
            partition by records.customer_key
            order by
                case when records.preferred_channel is null then 1 else 0 end,
                records.last_changed_at desc,
                records.record_key asc
        ) as preference_rank
    from records

),

web_visitors as (

    select
        customer_key,
        count(*) as web_visitor_ids
    from {{ ref('customer_identity_map') }}
    where source = 'ga4'
    group by customer_key

),

unsubscribes as (

    -- an unsubscribe in Customer.io (its reporting webhooks) at any of the person's addresses withdraws their
    -- marketing email consent: Customer.io unsubscribes a person, not an address
    select
        records.customer_key,
        max(unsubscribed.unsubscribed_at) as unsubscribed_at
    from records
    inner join {{ ref('int_email__unsubscribes') }} as unsubscribed
        on records.email_normalized = unsubscribed.email_address
    group by records.customer_key

),

customers as (

    select
        customer_key,
        min(created_at) as first_seen_at,
        max(last_changed_at) as last_changed_at,
        count(*) as record_count,
        max(case when source = 'crm' then 1 else 0 end) = 1 as has_crm_record,
        max(case when source = 'dms' then 1 else 0 end) = 1 as has_dms_record,
        max(case when recency_rank = 1 then dealer_id end) as dealer_id,
        max(case when recency_rank = 1 then first_name end) as first_name,
        max(case when recency_rank = 1 then last_name end) as last_name,
        max(case when email_rank = 1 then email_normalized end) as email,
        max(case when email_rank = 1 and email_consent then 1 else 0 end) = 1 as email_consent,
        max(case when phone_rank = 1 then phone_e164 end) as phone,
        max(case when phone_rank = 1 and sms_consent then 1 else 0 end) = 1 as sms_consent,
        max(case when address_rank = 1 then address end) as address,
        max(case when address_rank = 1 then address_normalized end) as address_normalized,
        max(case when address_rank = 1 then zip5 end) as address_zip5,
        max(case when recency_rank = 1 then zip5 end) as latest_zip5,
        max(case when birth_year_rank = 1 then birth_year end) as birth_year,
        max(case when preference_rank = 1 then preferred_channel end) as stated_preferred_channel
    from ranked
    group by customer_key

),

final as (

    select
        customers.customer_key,
        customers.dealer_id,
        case
            when customers.address_normalized is not null
                then {{ surrogate_key(['customers.address_normalized', 'customers.address_zip5']) }}
        end as household_key,
        customers.first_name,
        customers.last_name,
        customers.email,
        customers.email_consent and unsubscribes.customer_key is null as email_consent,
        unsubscribes.unsubscribed_at as email_unsubscribed_at,
        customers.phone,
        customers.sms_consent,
        customers.stated_preferred_channel,
        customers.address,
        coalesce(customers.address_zip5, customers.latest_zip5) as zip5,
        customers.birth_year,
        customers.first_seen_at,
        customers.last_changed_at,
        case
            when customers.has_crm_record and customers.has_dms_record then 'crm,dms'
            when customers.has_crm_record then 'crm'
            else 'dms'
        end
        || case when web_visitors.web_visitor_ids > 0 then ',ga4' else '' end as source_systems,
        customers.record_count,
        coalesce(web_visitors.web_visitor_ids, 0) as web_visitor_ids
    from customers
    left join web_visitors
        on customers.customer_key = web_visitors.customer_key
    left join unsubscribes
        on customers.customer_key = unsubscribes.customer_key

)

select * from final
