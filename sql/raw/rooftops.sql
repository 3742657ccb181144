-- The dealer group's rooftops as configured (JOURNEY_ROOFTOPS_FILE): address, coordinates, time zone and the
-- vendor account ids of each. Replaced whole by each run of raw/rooftops (journey_assets/sources/reference.py).
create table if not exists raw.rooftops (
    dealer_id               string    not null,
    name                    string,
    address                 string,
    city                    string,
    state                   string,
    zip                     string,
    timezone                string    options (description = 'IANA time zone of the rooftop'),
    brands                  string    options (description = 'comma-separated makes'),
    latitude                float64,
    longitude               float64,
    website                 string,
    phone                   string,
    ga4_property_id         string,
    google_ads_customer_id  string,
    meta_ad_account_id      string,
    meta_page_id            string,
    gbp_location_id         string,
    loaded_at               timestamp not null
)
options (description = 'Rooftops config; see journey_assets/sources/reference.py');
