{#- The demographic family per person (customer_key): miles from the person's ZIP centroid to the nearest
    rooftop (haversine; ZIP centroids from the zipcodes package, rooftops from their config), and age
    band where the birth year is known. -#}

{%- set distance_bands = var('segments_distance_band_miles') -%}
{%- set age_bands = var('segments_age_band_years') -%}

with

customers as (

    select
        customer_key,
        zip5,
        birth_year
    from {{ ref('dim_customers') }}

),

zip_centroids as (

    select * from {{ ref('stg_reference__zip_centroids') }}

),

rooftops as (

    select * from {{ ref('stg_dealer__rooftops') }}
    where latitude is not null and longitude is not null

),

distances as (

    select
        customers.customer_key,
        rooftops.dealer_id as nearest_dealer_id,
        {{ segments_haversine_miles(
            'zip_centroids.latitude', 'zip_centroids.longitude', 'rooftops.latitude', 'rooftops.longitude'
        ) }} as distance_miles
    from customers
    inner join zip_centroids on customers.zip5 = zip_centroids.zip5
    cross join rooftops

),

nearest as (

    select
        customer_key,
        nearest_dealer_id,
        distance_miles,
        row_number() over (partition by customer_key order by distance_miles, nearest_dealer_id) as distance_rank
    from distances

),

final as (

    select
        customers.customer_key,
        customers.zip5,
        nearest.nearest_dealer_id,
        round(nearest.distance_miles, 1) as distance_miles,
        case
            when nearest.distance_miles is null then null
            {%- for upper in distance_bands %}
                when nearest.distance_miles < {{ upper }}
                    then '{{ "under_" ~ upper if loop.first else distance_bands[loop.index0 - 1] ~ "_to_" ~ upper }}_mi'
            {%- endfor %}
            else '{{ distance_bands[-1] }}_mi_plus'
        end as distance_band,
        customers.birth_year,
        extract(year from {{ as_of_date() }}) - customers.birth_year as age_years,
        case
            when customers.birth_year is null then null
            {%- for lower in age_bands %}
                {%- if loop.first %}
                    when
                        extract(year from {{ as_of_date() }}) - customers.birth_year < {{ lower }}
                        then 'under_{{ lower }}'
                {%- endif %}
                {%- if not loop.last %}
                    when extract(year from {{ as_of_date() }}) - customers.birth_year < {{ age_bands[loop.index0 + 1] }}
                        then '{{ lower }}_{{ age_bands[loop.index0 + 1] - 1 }}'
                {%- endif %}
            {%- endfor %}
            else '{{ age_bands[-1] }}_plus'
        end as age_band
    from customers
    left join nearest on customers.customer_key = nearest.customer_key and nearest.distance_rank = 1

)

select * from final
