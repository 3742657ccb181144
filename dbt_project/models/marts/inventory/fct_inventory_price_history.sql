select
    {{ surrogate_key(['vehicle_id', 'valid_from']) }} as price_spell_id,
    vehicle_id,
    dealer_id,
    vin,
    listed_price,
    previous_price,
    listed_price - previous_price as price_change,
    valid_from,
    valid_to_exclusive,
    valid_to_exclusive is null as is_current
from {{ ref('int_inventory__price_changes') }}
