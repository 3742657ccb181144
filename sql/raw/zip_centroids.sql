-- Every US ZIP code with its centroid, from the zipcodes package (MIT, offline). Replaced whole by each run of
-- raw/zip_centroids (journey_assets/sources/reference.py); the distance-to-rooftop segment reads it.
create table if not exists raw.zip_centroids (
    zip_code       string    not null options (description = 'five digits'),
    zip_code_type  string    options (description = 'STANDARD, PO BOX, UNIQUE or MILITARY'),
    active         bool,
    city           string,
    state          string,
    county         string,
    timezone       string,
    latitude       float64,
    longitude      float64,
    loaded_at      timestamp not null
)
cluster by zip_code
options (description = 'US ZIP centroids; see journey_assets/sources/reference.py');
