{#- One row per email address whose latest Customer.io subscription event is an unsubscribe: from an email's
    unsubscribe link (object_type email) or the person's own unsubscribe (object_type customer). A later
    `subscribed` event lifts it. dim_customers reads it, so marketing email stops everywhere (decision 1151). -#}
with

events as (

    select
        email_address,
        metric,
        occurred_at,
        row_number() over (partition by email_address order by occurred_at desc, event_id desc) as latest
    from {{ ref('stg_customerio__reporting_events') }}
    where
        email_address is not null
        and metric in ('unsubscribed', 'subscribed')
        and object_type in ('email', 'customer')

)

select
    email_address,
    occurred_at as unsubscribed_at
from events
where latest = 1 and metric = 'unsubscribed'
