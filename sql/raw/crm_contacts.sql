-- CRM contacts (the people the CRM holds) in the state they had at the end of updated_date: each nightly run
-- adds the contacts created or changed that day. Loaded by raw/crm_contacts; email_normalized and phone_e164
-- are computed at ingestion (journey_assets/journey/contact.py), null where the raw value does not parse.
-- Personal data: every column whose description starts with 'PII:' gets the PII policy tag in prod. BigQuery
-- DDL cannot attach a policy tag; the staging models attach it through dbt (docs/decisions/0801).
-- Day columns are DATETIME (midnight), not DATE (see dealer_inventory.sql). Staging casts them to DATE.
create table if not exists raw.crm_contacts (
    updated_date      datetime  not null options (description = 'UTC day of the change (partition)'),
    contact_id        string    not null options (description = 'the CRM contact id (the customer id CRM leads carry)'),
    dealer_id         string    not null,
    first_name        string    options (description = 'PII: first name as entered'),
    last_name         string    options (description = 'PII: last name as entered'),
    email             string    options (description = 'PII: preferred email as entered'),
    phone             string    options (description = 'PII: preferred phone as entered'),
    address           string    options (description = 'PII: street address'),
    city              string,
    state             string,
    zip               string    options (description = 'PII: ZIP or ZIP+4'),
    birth_year        int64     options (description = 'PII: year of birth'),
    gender            string    options (description = 'PII: m, f or null'),
    preferred_channel string    options (description = 'sms, email or phone, as the contact stated'),
    sms_consent       bool,
    email_consent     bool,
    created_at        timestamp,
    updated_at        timestamp not null,
    email_normalized  string    options (description = 'PII: email lowercased when valid, else null'),
    phone_e164        string    options (description = 'PII: phone in E.164 when valid, else null'),
    loaded_at         timestamp not null
)
partition by datetime_trunc(updated_date, day)
cluster by dealer_id, contact_id
options (description = 'CRM contacts by day of change; holds PII; see journey_assets/sources/crm.py');
