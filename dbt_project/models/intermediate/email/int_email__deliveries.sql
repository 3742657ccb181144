{#- One row per email Customer.io delivered (or tried to): when it was sent, delivered, first opened and
    clicked, bounced, and whether the person unsubscribed from it, with the person it reached. A click counts
    as an open too (an image-blocking mail client clicks without loading the open pixel). -#}
with

events as (

    select * from {{ ref('stg_customerio__reporting_events') }}
    where object_type = 'email' and delivery_id is not null and is_counted_metric

),

deliveries as (

    select
        delivery_id,
        min(campaign_key) as campaign_key,
        min(campaign_type) as campaign_type,
        min(email_address) as email_address,
        min(customerio_customer_id) as customerio_customer_id,
        min(case when metric = 'sent' then occurred_at end) as sent_at,
        min(case when metric = 'delivered' then occurred_at end) as delivered_at,
        min(case when metric = 'opened' then occurred_at end) as first_opened_at,
        min(case when metric = 'clicked' then occurred_at end) as first_clicked_at,
        min(case when metric = 'bounced' then occurred_at end) as bounced_at,
        min(case when metric = 'unsubscribed' then occurred_at end) as unsubscribed_at,
        min(occurred_at) as first_event_at
    from events
    group by delivery_id

),

-- the person at that address: the identity cluster of a source record holding it (the lowest key when
-- several clusters share an address, so one delivery is one person)
email_people as (

    select
        records.email_normalized as email_address,
        min(clusters.customer_key) as customer_key
    from {{ ref('int_identity__source_records') }} as records
    inner join {{ ref('int_identity__clusters') }} as clusters on records.record_key = clusters.record_key
    where records.email_normalized is not null
    group by records.email_normalized

),

final as (

    select
        deliveries.delivery_id,
        deliveries.campaign_key,
        deliveries.campaign_type,
        email_people.customer_key,
        deliveries.customerio_customer_id,
        -- a delivery whose sent event was lost still happened: its first event stands in
        coalesce(deliveries.sent_at, deliveries.first_event_at) as sent_at,
        deliveries.delivered_at,
        coalesce(deliveries.first_opened_at, deliveries.first_clicked_at) as first_opened_at,
        deliveries.first_clicked_at,
        deliveries.bounced_at,
        deliveries.unsubscribed_at,
        deliveries.bounced_at is null
        and (
            deliveries.delivered_at is not null
            or deliveries.first_opened_at is not null
            or deliveries.first_clicked_at is not null
        ) as is_delivered,
        deliveries.first_opened_at is not null or deliveries.first_clicked_at is not null as is_opened,
        deliveries.first_clicked_at is not null as is_clicked,
        deliveries.bounced_at is not null as is_bounced,
        deliveries.unsubscribed_at is not null as is_unsubscribed
    from deliveries
    left join email_people on deliveries.email_address = email_people.email_address

)

select * from final
