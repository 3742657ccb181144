{{ config(materialized='table') }}

{#- Pairs of source records that are the same person, one row per pair and rule.

    The rules, each a dealer's analyst's:
    - same_customer_id: a CRM contact and the DMS customer with the same id (the
      systems share the rooftops' customer id);
    - email: the same normalized email, first names agreeing, unless both the
      phones and the ZIPs differ (nothing else of the two records agrees: a
      mistyped or reused address, not one person);
    - phone_and_first_name: the same E.164 phone and the same first name (the last
      name may differ: a married name);
    - name_and_address: the same first and last name at the same normalized
      address and ZIP, unless both records have a phone and the phones differ
      (two people of one name in one home: a father and son, Sr. and Jr.).
    Guards, so a household is never merged into one person: no person rule joins
    records whose birth years differ by more than identity_max_birth_year_gap, or
    whose first names differ (a father and son sharing the family phone and
    address stay two people); a key held by more than identity_max_records_per_key
    records (a dealership's own phone typed into every record) joins nobody. -#}

{%- set max_gap = var('identity_max_birth_year_gap') -%}
{%- set max_records = var('identity_max_records_per_key') -%}

with

records as (

    select
        *,
        count(*) over (partition by email_normalized) as records_with_email,
        count(*) over (partition by phone_e164) as records_with_phone,
        count(*) over (
            partition by first_name_normalized, last_name_normalized, address_normalized, zip5
        ) as records_with_name_and_address
    from {{ ref('int_identity__source_records') }}

),

same_customer_id as (

    select
        crm.record_key as record_key_a,
        dms.record_key as record_key_b,
        'same_customer_id' as match_rule
    from records as crm
    inner join records as dms
        on crm.source_record_id = dms.source_record_id
    where crm.source = 'crm' and dms.source = 'dms'

),

email as (

    select
        a.record_key as record_key_a,
        b.record_key as record_key_b,
        'email' as match_rule
    from records as a
    inner join records as b
        on
            a.email_normalized = b.email_normalized
            and a.record_key < b.record_key
    where
        a.records_with_email <= {{ max_records }}
        and (
            a.first_name_normalized = b.first_name_normalized
            or a.first_name_normalized is null
            or b.first_name_normalized is null
        )
        and not (coalesce(a.phone_e164 <> b.phone_e164, false) and coalesce(a.zip5 <> b.zip5, false))
        and (a.birth_year is null or b.birth_year is null or abs(a.birth_year - b.birth_year) <= {{ max_gap }})

),

phone_and_first_name as (

    select
        a.record_key as record_key_a,
        b.record_key as record_key_b,
        'phone_and_first_name' as match_rule
    from records as a
    inner join records as b
        on
            a.phone_e164 = b.phone_e164
            and a.first_name_normalized = b.first_name_normalized
            and a.record_key < b.record_key
    where
        a.records_with_phone <= {{ max_records }}
        and (a.birth_year is null or b.birth_year is null or abs(a.birth_year - b.birth_year) <= {{ max_gap }})

),

name_and_address as (

    select
        a.record_key as record_key_a,
        b.record_key as record_key_b,
        'name_and_address' as match_rule
    from records as a
    inner join records as b
        on
            a.first_name_normalized = b.first_name_normalized
            and a.last_name_normalized = b.last_name_normalized
            and a.address_normalized = b.address_normalized
            and a.zip5 = b.zip5
            and a.record_key < b.record_key
    where
        a.records_with_name_and_address <= {{ max_records }}
        and (a.phone_e164 is null or b.phone_e164 is null or a.phone_e164 = b.phone_e164)
        and (a.birth_year is null or b.birth_year is null or abs(a.birth_year - b.birth_year) <= {{ max_gap }})

),

edges as (

    select * from same_customer_id
    union all
    select * from email
    union all
    select * from phone_and_first_name
    union all
    select * from name_and_address

)

select
    {{ surrogate_key(['record_key_a', 'record_key_b', 'match_rule']) }} as match_edge_key,
    record_key_a,
    record_key_b,
    match_rule
from edges
