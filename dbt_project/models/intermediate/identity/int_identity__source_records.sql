{{ config(materialized='table') }}

{#- Every CRM contact and DMS customer as one source record with its match keys.
    Email and phone arrive normalized from ingestion (journey/contact.py); names
    and addresses are normalized here: lowercase, letters (and digits for
    addresses) only, the street suffix and unit designator in their USPS
    Publication 28 form, so "16904 Fernandez Street" matches "16904 fernandez st.". -#}

with

crm as (

    select
        'crm' as source,
        crm_contact_id as source_record_id,
        dealer_id,
        first_name,
        last_name,
        email_normalized,
        phone_e164,
        address,
        zip5,
        birth_year,
        preferred_channel,
        coalesce(sms_consent, false) as sms_consent,
        coalesce(email_consent, false) as email_consent,
        created_at,
        coalesce(updated_at, created_at) as last_changed_at
    from {{ ref('stg_crm__contacts') }}

),

dms as (

    -- The DMS holds no marketing consent: its email and phone count as not consented.
    select
        'dms' as source,
        dms_customer_id as source_record_id,
        dealer_id,
        first_name,
        last_name,
        email_normalized,
        phone_e164,
        address,
        zip5,
        birth_year,
        cast(null as {{ dbt.type_string() }}) as preferred_channel,
        false as sms_consent,
        false as email_consent,
        created_at,
        created_at as last_changed_at
    from {{ ref('stg_dms__customers') }}

),

records as (

    select * from crm
    union all
    select * from dms

),

abbreviations as (

    select
        kind,
        written_form,
        usps_abbreviation
    from {{ ref('usps_address_abbreviations') }}

),

-- Lowercase, punctuation to spaces, "#" a word of its own, single spaces.
address_words as (

    select
        source,
        source_record_id,
        nullif(trim({{ regexp_replace_all(
            regexp_replace_all(regexp_replace_all("lower(address)", "[^a-z0-9#]+", " "), "#", " # "),
            " +", " "
        ) }}), '') as address_clean
    from records

),

-- "<street> <designator> <unit>" when the next-to-last word is a unit designator.
address_units as (

    select
        address_words.source,
        address_words.source_record_id,
        address_words.address_clean,
        case
            when designators.written_form is not null
                then {{ regexp_extract_group("address_words.address_clean", "^(.*) [a-z#]+ [a-z0-9-]+$") }}
            else address_words.address_clean
        end as street,
        case
            when designators.written_form is not null
                then {{ regexp_extract_group("address_words.address_clean", " ([a-z0-9-]+)$") }}
        end as unit_number
    from address_words
    left join abbreviations as designators
        on
            designators.kind = 'unit_designator'
            and designators.written_form
            = {{ regexp_extract_group("address_words.address_clean", " ([a-z#]+) [a-z0-9-]+$") }}

),

-- The street's last word in its USPS abbreviation; every unit designator is written "#" (the
-- unit number identifies the unit, whichever designator a clerk typed).
addresses as (

    select
        address_units.source,
        address_units.source_record_id,
        case
            when suffixes.usps_abbreviation is not null
                then
                    {{ regexp_extract_group("address_units.street", "^(.*) [a-z]+$") }}
                    || ' ' || suffixes.usps_abbreviation
            else address_units.street
        end
        || coalesce(' # ' || address_units.unit_number, '') as address_normalized
    from address_units
    left join abbreviations as suffixes
        on
            suffixes.kind = 'street_suffix'
            and suffixes.written_form = {{ regexp_extract_group("address_units.street", " ([a-z]+)$") }}

),

final as (

    select
        records.source_record_id || '@' || records.source as record_key,
        records.source,
        records.source_record_id,
        records.dealer_id,
        records.first_name,
        records.last_name,
        nullif({{ regexp_replace_all("lower(records.first_name)", "[^a-z]", "") }}, '') as first_name_normalized,
        nullif({{ regexp_replace_all("lower(records.last_name)", "[^a-z]", "") }}, '') as last_name_normalized,
        records.email_normalized,
        records.phone_e164,
        records.address,
        addresses.address_normalized,
        records.zip5,
        records.birth_year,
        records.preferred_channel,
        records.sms_consent,
        records.email_consent,
        records.created_at,
        records.last_changed_at
    from records
    left join addresses
        on
            records.source = addresses.source
            and records.source_record_id = addresses.source_record_id

)

select * from final
