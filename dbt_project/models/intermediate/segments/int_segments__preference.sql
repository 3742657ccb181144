{#- The preference family per person (customer_key): the channel to reach them on (their stated
    preference when they consented on it, else the consented channel they engage on) and the local hour
    they most often engage (web session starts and lead times, in the rooftop's time zone). -#}

{%- set fallback_order = var('segments_channel_fallback_order') -%}

with

customers as (

    select customer_key from {{ ref('dim_customers') }}

),

identity_map as (

    select * from {{ ref('customer_identity_map') }}

),

rooftops as (

    select * from {{ ref('stg_dealer__rooftops') }}

),

contact_records as (

    select
        identity_map.customer_key,
        contacts.preferred_channel,
        contacts.sms_consent,
        contacts.email_consent,
        contacts.phone_e164,
        contacts.email_normalized,
        -- the latest change wins: a newer record's consent or revocation is the person's current one
        row_number() over (
            partition by identity_map.customer_key
            order by contacts.updated_at desc, contacts.crm_contact_id asc
        ) as recency
    from {{ ref('stg_crm__contacts') }} as contacts
    inner join identity_map
        on identity_map.source = 'crm' and contacts.crm_contact_id = identity_map.source_record_id

),

consent as (

    select
        customer_key,
        preferred_channel as stated_channel,
        coalesce(sms_consent, false) and phone_e164 is not null as may_sms,
        coalesce(email_consent, false) and email_normalized is not null as may_email,
        -- calls need no marketing opt-in here, only a number that works
        phone_e164 is not null as may_phone
    from contact_records
    where recency = 1

),

sessions as (

    select
        identity_map.customer_key,
        sessions.default_channel_group,
        {{ segments_local_datetime('sessions.session_started_at', 'rooftops.timezone') }} as engaged_at_local
    from {{ ref('stg_ga4__export_sessions') }} as sessions
    inner join identity_map
        on identity_map.source = 'ga4' and sessions.user_pseudo_id = identity_map.source_record_id
    inner join rooftops on sessions.dealer_id = rooftops.dealer_id
    where sessions.session_date <= {{ as_of_date() }}

),

leads as (

    select
        identity_map.customer_key,
        leads.lead_type,
        leads.lead_source,
        {{ segments_local_datetime('leads.created_at', 'rooftops.timezone') }} as engaged_at_local
    from {{ ref('stg_crm__leads') }} as leads
    inner join identity_map
        on identity_map.source = 'crm' and leads.customer_id = identity_map.source_record_id
    inner join rooftops on leads.dealer_id = rooftops.dealer_id
    where cast({{ segments_local_datetime('leads.created_at', 'rooftops.timezone') }} as date) <= {{ as_of_date() }}

),

channel_engagement as (

    select
        customer_key,
        sum(case when channel = 'email' then 1 else 0 end) as email_engagements,
        sum(case when channel = 'sms' then 1 else 0 end) as sms_engagements,
        sum(case when channel = 'phone' then 1 else 0 end) as phone_engagements
    from (
        select
            customer_key,
            case default_channel_group when 'Email' then 'email' when 'SMS' then 'sms' end as channel
        from sessions
        union all
        select
            customer_key,
            case when lead_type = 'phone' or lead_source = 'phone' then 'phone' end as channel
        from leads
    ) as touches
    group by customer_key

),

engagement_hours as (

    select
        customer_key,
        extract(hour from engaged_at_local) as local_hour,
        count(*) as engagements,
        max(engaged_at_local) as last_engaged_at_local
    from (
        select
            customer_key,
            engaged_at_local
        from sessions
        union all
        select
            customer_key,
            engaged_at_local
        from leads
    ) as engagements
    group by customer_key, extract(hour from engaged_at_local)

),

best_hour as (

    select
        customer_key,
        local_hour,
        engagements,
        -- ties go to the hour engaged in most recently
        row_number() over (
            partition by customer_key order by engagements desc, last_engaged_at_local desc
        ) as hour_rank,
        sum(engagements) over (partition by customer_key) as timed_engagements
    from engagement_hours

),

choices as (

    select
        customers.customer_key,
        consent.stated_channel,
        coalesce(consent.may_sms, false) as may_sms,
        coalesce(consent.may_email, false) as may_email,
        coalesce(consent.may_phone, false) as may_phone,
        coalesce(channel_engagement.email_engagements, 0) as email_engagements,
        coalesce(channel_engagement.sms_engagements, 0) as sms_engagements,
        coalesce(channel_engagement.phone_engagements, 0) as phone_engagements,
        cast(best_hour.local_hour as {{ dbt.type_int() }}) as best_send_hour,
        coalesce(best_hour.timed_engagements, 0) as timed_engagements
    from customers
    left join consent on customers.customer_key = consent.customer_key
    left join channel_engagement on customers.customer_key = channel_engagement.customer_key
    left join best_hour on customers.customer_key = best_hour.customer_key and best_hour.hour_rank = 1

),

engaged as (

    select
        *,
        -- the consented channel engaged on most (ties: email, then sms, then phone)
        case
            when
                may_email and email_engagements > 0
                and email_engagements >= case when may_sms then sms_engagements else 0 end
                and email_engagements >= case when may_phone then phone_engagements else 0 end
                then 'email'
            when
                may_sms and sms_engagements > 0
                and sms_engagements >= case when may_phone then phone_engagements else 0 end
                then 'sms'
            when may_phone and phone_engagements > 0 then 'phone'
        end as engaged_channel,
        case
            {%- for channel in fallback_order %}
                when may_{{ channel }} then '{{ channel }}'
            {%- endfor %}
        end as fallback_channel
    from choices

),

final as (

    select
        customer_key,
        stated_channel,
        may_sms,
        may_email,
        may_phone,
        email_engagements,
        sms_engagements,
        phone_engagements,
        case
            when stated_channel = 'sms' and may_sms then 'sms'
            when stated_channel = 'email' and may_email then 'email'
            when stated_channel = 'phone' and may_phone then 'phone'
            else coalesce(engaged_channel, fallback_channel)
        end as preferred_channel,
        case
            when stated_channel = 'sms' and may_sms then 'stated'
            when stated_channel = 'email' and may_email then 'stated'
            when stated_channel = 'phone' and may_phone then 'stated'
            when engaged_channel is not null then 'engagement'
            when fallback_channel is not null then 'consent'
        end as preferred_channel_basis,
        best_send_hour,
        timed_engagements
    from engaged

)

select * from final
