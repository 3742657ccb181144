with

source as (

    select * from {{ source('crm', 'crm_contacts') }}

),

latest as (

    -- raw keeps a row per day a contact changed; staging is the contact as it is now
    select
        *,
        row_number() over (partition by contact_id order by updated_at desc, loaded_at desc) as change_rank
    from source

),

renamed as (

    select

        ----------  ids
        cast(contact_id as {{ dbt.type_string() }}) as crm_contact_id,
        cast(dealer_id as {{ dbt.type_string() }}) as dealer_id,

        ---------- person (normalized at ingestion: journey_assets/journey/contact.py)
        {{ contact_columns() }},
        case lower(trim(gender)) when 'm' then 'm' when 'f' then 'f' end as gender,

        ---------- preferences and consent
        case
            when lower(trim(preferred_channel)) in ('sms', 'email', 'phone') then lower(trim(preferred_channel))
        end as preferred_channel,
        coalesce(sms_consent, false) as sms_consent,
        coalesce(email_consent, false) as email_consent,

        ---------- dates
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        loaded_at

    from latest
    where change_rank = 1

)

select * from renamed
