{#- Email engagement per rooftop, campaign and day the emails were sent (the rooftop's calendar day): a
    cohort of deliveries and what became of them, so every rate is a share of that day's emails and stays
    between 0 and 1 (a late open moves the day it was sent). The rooftop is the recipient's rooftop of record
    (dim_customers); emails to an address no source record holds are left out. -#}
with

deliveries as (

    select * from {{ ref('int_email__deliveries') }}

),

customers as (

    select
        customer_key,
        dealer_id
    from {{ ref('dim_customers') }}

),

rooftops as (

    select
        dealer_id,
        timezone
    from {{ ref('stg_dealer__rooftops') }}

),

dated as (

    select
        customers.dealer_id,
        deliveries.campaign_key,
        deliveries.campaign_type,
        {{ to_local_date('deliveries.sent_at', 'rooftops.timezone') }} as date_day,
        deliveries.is_delivered,
        deliveries.is_opened,
        deliveries.is_clicked,
        deliveries.is_bounced,
        deliveries.is_unsubscribed
    from deliveries
    inner join customers on deliveries.customer_key = customers.customer_key
    inner join rooftops on customers.dealer_id = rooftops.dealer_id

),

final as (

    select
        dealer_id,
        campaign_key,
        campaign_type,
        date_day,
        count(*) as sent,
        sum(case when is_delivered then 1 else 0 end) as delivered,
        sum(case when is_delivered and is_opened then 1 else 0 end) as opened,
        sum(case when is_delivered and is_clicked then 1 else 0 end) as clicked,
        sum(case when is_bounced then 1 else 0 end) as bounced,
        sum(case when is_unsubscribed then 1 else 0 end) as unsubscribed
    from dated
    group by dealer_id, campaign_key, campaign_type, date_day

)

select * from final
