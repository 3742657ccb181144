"""Static reference data for the synthetic world: the metros our rooftops sit in,
the makes and models they sell (with real WMIs), and the vocabularies of names,
email domains, pages and copy. Names and street names come from Faker's en_US
provider lists (read as arrays, never one Faker call per row).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from faker.providers.address.en_US import Provider as _Address
from faker.providers.person.en_US import Provider as _Person


@dataclass(frozen=True)
class Metro:
    key: str
    rooftop_name: str
    brands: tuple[str, ...]
    address: str
    city: str
    state: str
    zip: str
    timezone: str
    latitude: float
    longitude: float
    area_codes: tuple[int, ...]
    places: tuple[tuple[str, str], ...]  # (city, zip) where customers live


# Order matters: small worlds take the first 3, medium the first 5, large all 12.
METROS: tuple[Metro, ...] = (
    Metro(
        "austin",
        "Hill Country Toyota",
        ("Toyota",),
        "11400 Research Blvd",
        "Austin",
        "TX",
        "78759",
        "America/Chicago",
        30.4127,
        -97.7460,
        (512, 737),
        (
            ("Austin", "78701"),
            ("Austin", "78704"),
            ("Austin", "78745"),
            ("Austin", "78759"),
            ("Austin", "78748"),
            ("Pflugerville", "78660"),
            ("Round Rock", "78664"),
            ("Round Rock", "78681"),
            ("Cedar Park", "78613"),
            ("Leander", "78641"),
            ("Georgetown", "78626"),
            ("Kyle", "78640"),
            ("Buda", "78610"),
            ("Lakeway", "78734"),
        ),
    ),
    Metro(
        "denver",
        "Front Range Subaru Mazda",
        ("Subaru", "Mazda"),
        "8600 E Arapahoe Rd",
        "Centennial",
        "CO",
        "80112",
        "America/Denver",
        39.5963,
        -104.8916,
        (303, 720),
        (
            ("Denver", "80202"),
            ("Denver", "80205"),
            ("Denver", "80210"),
            ("Denver", "80219"),
            ("Aurora", "80012"),
            ("Aurora", "80013"),
            ("Lakewood", "80226"),
            ("Littleton", "80120"),
            ("Englewood", "80110"),
            ("Arvada", "80003"),
            ("Westminster", "80031"),
            ("Thornton", "80229"),
            ("Centennial", "80112"),
            ("Parker", "80134"),
        ),
    ),
    Metro(
        "sacramento",
        "River City Honda",
        ("Honda",),
        "3575 Fulton Ave",
        "Sacramento",
        "CA",
        "95821",
        "America/Los_Angeles",
        38.6050,
        -121.3980,
        (916, 279),
        (
            ("Sacramento", "95814"),
            ("Sacramento", "95818"),
            ("Sacramento", "95822"),
            ("Sacramento", "95821"),
            ("Elk Grove", "95624"),
            ("Elk Grove", "95758"),
            ("Roseville", "95661"),
            ("Roseville", "95678"),
            ("Folsom", "95630"),
            ("Citrus Heights", "95610"),
            ("Rancho Cordova", "95670"),
            ("Carmichael", "95608"),
            ("Davis", "95616"),
        ),
    ),
    Metro(
        "atlanta",
        "Peachtree Ford",
        ("Ford",),
        "5505 Peachtree Industrial Blvd",
        "Chamblee",
        "GA",
        "30341",
        "America/New_York",
        33.8995,
        -84.2893,
        (404, 470, 678, 770),
        (
            ("Atlanta", "30303"),
            ("Atlanta", "30308"),
            ("Atlanta", "30318"),
            ("Marietta", "30060"),
            ("Marietta", "30062"),
            ("Decatur", "30030"),
            ("Sandy Springs", "30328"),
            ("Alpharetta", "30009"),
            ("Roswell", "30075"),
            ("Smyrna", "30080"),
            ("Kennesaw", "30144"),
            ("Chamblee", "30341"),
            ("Dunwoody", "30338"),
        ),
    ),
    Metro(
        "phoenix",
        "Camelback Chevrolet GMC",
        ("Chevrolet", "GMC"),
        "1550 E Camelback Rd",
        "Phoenix",
        "AZ",
        "85014",
        "America/Phoenix",
        33.5093,
        -112.0479,
        (602, 480, 623),
        (
            ("Phoenix", "85004"),
            ("Phoenix", "85014"),
            ("Phoenix", "85016"),
            ("Phoenix", "85032"),
            ("Scottsdale", "85251"),
            ("Scottsdale", "85260"),
            ("Tempe", "85281"),
            ("Mesa", "85201"),
            ("Mesa", "85204"),
            ("Chandler", "85224"),
            ("Gilbert", "85233"),
            ("Glendale", "85301"),
            ("Peoria", "85345"),
        ),
    ),
    Metro(
        "nashville",
        "Music City Nissan",
        ("Nissan",),
        "2400 Gallatin Pike N",
        "Madison",
        "TN",
        "37115",
        "America/Chicago",
        36.2620,
        -86.7130,
        (615, 629),
        (
            ("Nashville", "37203"),
            ("Nashville", "37206"),
            ("Nashville", "37211"),
            ("Madison", "37115"),
            ("Franklin", "37064"),
            ("Brentwood", "37027"),
            ("Murfreesboro", "37129"),
            ("Murfreesboro", "37130"),
            ("Hendersonville", "37075"),
            ("Smyrna", "37167"),
            ("Mount Juliet", "37122"),
            ("Antioch", "37013"),
        ),
    ),
    Metro(
        "columbus",
        "Scioto Hyundai Kia",
        ("Hyundai", "Kia"),
        "6300 Sawmill Rd",
        "Dublin",
        "OH",
        "43017",
        "America/New_York",
        40.0990,
        -83.0930,
        (614, 380),
        (
            ("Columbus", "43215"),
            ("Columbus", "43201"),
            ("Columbus", "43214"),
            ("Worthington", "43085"),
            ("Dublin", "43017"),
            ("Westerville", "43081"),
            ("Hilliard", "43026"),
            ("Grove City", "43123"),
            ("Reynoldsburg", "43068"),
            ("Gahanna", "43230"),
            ("Upper Arlington", "43221"),
        ),
    ),
    Metro(
        "charlotte",
        "Queen City Jeep Ram",
        ("Jeep", "Ram"),
        "9215 South Blvd",
        "Charlotte",
        "NC",
        "28273",
        "America/New_York",
        35.1364,
        -80.8795,
        (704, 980),
        (
            ("Charlotte", "28202"),
            ("Charlotte", "28205"),
            ("Charlotte", "28210"),
            ("Charlotte", "28277"),
            ("Charlotte", "28273"),
            ("Matthews", "28105"),
            ("Concord", "28025"),
            ("Huntersville", "28078"),
            ("Gastonia", "28054"),
            ("Mooresville", "28117"),
            ("Pineville", "28134"),
        ),
    ),
    Metro(
        "saltlake",
        "Wasatch Volkswagen",
        ("Volkswagen",),
        "10800 S State St",
        "Sandy",
        "UT",
        "84070",
        "America/Denver",
        40.5530,
        -111.8910,
        (801, 385),
        (
            ("Salt Lake City", "84101"),
            ("Salt Lake City", "84105"),
            ("Salt Lake City", "84106"),
            ("Sandy", "84070"),
            ("Sandy", "84092"),
            ("West Jordan", "84084"),
            ("Murray", "84107"),
            ("Draper", "84020"),
            ("West Valley City", "84119"),
            ("Provo", "84601"),
            ("Orem", "84057"),
        ),
    ),
    Metro(
        "portland",
        "Rose City Subaru",
        ("Subaru",),
        "8825 SW Canyon Rd",
        "Beaverton",
        "OR",
        "97005",
        "America/Los_Angeles",
        45.4990,
        -122.7770,
        (503, 971),
        (
            ("Portland", "97201"),
            ("Portland", "97209"),
            ("Portland", "97214"),
            ("Portland", "97266"),
            ("Beaverton", "97005"),
            ("Hillsboro", "97123"),
            ("Gresham", "97030"),
            ("Lake Oswego", "97034"),
            ("Tigard", "97223"),
            ("Milwaukie", "97222"),
            ("Tualatin", "97062"),
        ),
    ),
    Metro(
        "kansascity",
        "Plaza Lexus",
        ("Lexus",),
        "4800 Main St",
        "Kansas City",
        "MO",
        "64112",
        "America/Chicago",
        39.0390,
        -94.5860,
        (816,),
        (
            ("Kansas City", "64105"),
            ("Kansas City", "64111"),
            ("Kansas City", "64112"),
            ("Kansas City", "64114"),
            ("Independence", "64055"),
            ("Lee's Summit", "64063"),
            ("Lee's Summit", "64081"),
            ("Blue Springs", "64014"),
            ("Liberty", "64068"),
            ("Raymore", "64083"),
            ("Grandview", "64030"),
        ),
    ),
    Metro(
        "tampa",
        "Bayshore BMW",
        ("BMW",),
        "4400 N Dale Mabry Hwy",
        "Tampa",
        "FL",
        "33614",
        "America/New_York",
        27.9850,
        -82.5050,
        (813, 656),
        (
            ("Tampa", "33602"),
            ("Tampa", "33606"),
            ("Tampa", "33611"),
            ("Tampa", "33614"),
            ("Tampa", "33647"),
            ("Brandon", "33511"),
            ("Riverview", "33569"),
            ("Wesley Chapel", "33543"),
            ("Lutz", "33549"),
            ("Plant City", "33563"),
            ("Valrico", "33594"),
        ),
    ),
)

# Area codes elsewhere in the US (people who kept their number after moving).
OTHER_AREA_CODES = (212, 310, 312, 415, 206, 617, 305, 713, 214, 702, 919, 971, 407, 480, 859, 502, 317, 612)


@dataclass(frozen=True)
class Model:
    make: str
    name: str
    body_style: str
    msrp: int
    trims: tuple[str, ...]
    wmis: tuple[str, ...]
    popularity: float


def _m(make, name, body, msrp, trims, wmis, pop=1.0):
    return Model(make, name, body, msrp, tuple(trims.split("|")), tuple(wmis.split("|")), pop)


# World manufacturer identifiers are the makes' real US-market WMIs.
MODELS: tuple[Model, ...] = (
    _m("Toyota", "Camry", "sedan", 28400, "LE|SE|XLE|XSE", "4T1", 3),
    _m("Toyota", "Corolla", "sedan", 22800, "L|LE|SE|XSE", "5YF|JTD", 2.5),
    _m("Toyota", "RAV4", "suv", 29800, "LE|XLE|XLE Premium|Limited|TRD Off-Road", "2T3|JTM", 4),
    _m("Toyota", "Highlander", "suv", 39900, "LE|XLE|Limited|Platinum", "5TD", 2),
    _m("Toyota", "Tacoma", "truck", 32000, "SR|SR5|TRD Sport|TRD Off-Road|Limited", "3TM|5TF", 2.5),
    _m("Toyota", "Tundra", "truck", 42000, "SR|SR5|Limited|Platinum", "5TF", 1.2),
    _m("Toyota", "Sienna", "minivan", 39500, "LE|XLE|XSE|Limited", "5TD", 0.8),
    _m("Toyota", "4Runner", "suv", 41500, "SR5|TRD Off-Road|Limited", "JTE", 1.2),
    _m("Subaru", "Outback", "wagon", 29500, "Base|Premium|Limited|Touring|Wilderness", "4S4", 3),
    _m("Subaru", "Forester", "suv", 28500, "Base|Premium|Sport|Limited|Touring", "JF2", 3),
    _m("Subaru", "Crosstrek", "suv", 26000, "Base|Premium|Sport|Limited", "JF2", 3),
    _m("Subaru", "Impreza", "hatchback", 23500, "Base|Sport|RS", "JF1|4S3", 1),
    _m("Subaru", "Ascent", "suv", 35000, "Base|Premium|Onyx|Limited|Touring", "4S4", 1),
    _m("Subaru", "WRX", "sedan", 33000, "Base|Premium|Limited|GT", "JF1", 0.6),
    _m("Mazda", "CX-5", "suv", 29500, "S|Select|Preferred|Carbon|Premium", "JM3", 3),
    _m("Mazda", "Mazda3", "sedan", 24000, "S|Select|Preferred|Premium", "JM1|3MZ", 1.5),
    _m("Mazda", "CX-30", "suv", 25000, "S|Select|Preferred|Premium", "3MV", 1.8),
    _m("Mazda", "CX-50", "suv", 30500, "S|Select|Preferred|Premium", "7MM", 1.2),
    _m("Mazda", "CX-90", "suv", 39500, "S|Select|Preferred|Premium", "JM3", 0.8),
    _m("Honda", "Civic", "sedan", 24500, "LX|Sport|EX|Touring", "2HG|19X", 3),
    _m("Honda", "Accord", "sedan", 28500, "LX|EX|Sport|Touring", "1HG", 2.5),
    _m("Honda", "CR-V", "suv", 30500, "LX|EX|EX-L|Sport|Sport Touring", "2HK|7FA|5J6", 4),
    _m("Honda", "Pilot", "suv", 39500, "Sport|EX-L|TrailSport|Touring|Elite", "5FN", 1.5),
    _m("Honda", "Odyssey", "minivan", 39000, "EX|EX-L|Sport|Touring|Elite", "5FN", 0.8),
    _m("Honda", "HR-V", "suv", 25000, "LX|Sport|EX-L", "3CZ", 1.5),
    _m("Honda", "Ridgeline", "truck", 39500, "Sport|RTL|TrailSport|Black Edition", "5FP", 0.6),
    _m("Ford", "F-150", "truck", 38000, "XL|XLT|Lariat|King Ranch|Platinum", "1FT", 5),
    _m("Ford", "Escape", "suv", 29500, "Active|ST-Line|Platinum", "1FM", 2),
    _m("Ford", "Explorer", "suv", 38500, "Active|ST-Line|Platinum|ST", "1FM", 2),
    _m("Ford", "Bronco", "suv", 39500, "Big Bend|Black Diamond|Outer Banks|Badlands", "1FM", 1.5),
    _m("Ford", "Mustang", "coupe", 32500, "EcoBoost|GT|Dark Horse", "1FA", 1),
    _m("Ford", "Maverick", "truck", 25500, "XL|XLT|Lariat", "3FT", 1.5),
    _m("Ford", "Ranger", "truck", 33000, "XL|XLT|Lariat", "1FT", 1),
    _m("Ford", "Expedition", "suv", 60000, "Active|Platinum|King Ranch", "1FM", 0.7),
    _m("Chevrolet", "Silverado 1500", "truck", 38500, "WT|Custom|LT|RST|LTZ|High Country", "1GC|3GC", 5),
    _m("Chevrolet", "Equinox", "suv", 29000, "LS|LT|RS|ACTIV", "3GN|2GN", 3),
    _m("Chevrolet", "Tahoe", "suv", 58000, "LS|LT|RST|Z71|Premier", "1GN", 1.5),
    _m("Chevrolet", "Traverse", "suv", 39000, "LS|LT|Z71|RS", "1GN", 1.5),
    _m("Chevrolet", "Malibu", "sedan", 26000, "LS|RS|LT", "1G1", 1),
    _m("Chevrolet", "Colorado", "truck", 32000, "WT|LT|Trail Boss|Z71", "1GC", 1),
    _m("Chevrolet", "Trax", "suv", 21500, "LS|1RS|LT|ACTIV|2RS", "KL7", 2),
    _m("GMC", "Sierra 1500", "truck", 41000, "Pro|SLE|Elevation|SLT|AT4|Denali", "1GT|3GT", 4),
    _m("GMC", "Terrain", "suv", 30000, "SLE|SLT|AT4|Denali", "3GK", 2),
    _m("GMC", "Acadia", "suv", 43000, "Elevation|AT4|Denali", "1GK", 1.5),
    _m("GMC", "Yukon", "suv", 62000, "SLE|SLT|AT4|Denali", "1GK", 1.2),
    _m("GMC", "Canyon", "truck", 37000, "Elevation|AT4|Denali", "1GT", 0.8),
    _m("Nissan", "Altima", "sedan", 27000, "S|SV|SR|SL", "1N4", 2.5),
    _m("Nissan", "Rogue", "suv", 29500, "S|SV|SL|Platinum", "5N1|JN8", 4),
    _m("Nissan", "Sentra", "sedan", 21500, "S|SV|SR", "3N1", 2.5),
    _m("Nissan", "Kicks", "suv", 21500, "S|SV|SR", "3N1", 1.5),
    _m("Nissan", "Frontier", "truck", 31000, "S|SV|PRO-4X", "1N6", 1.5),
    _m("Nissan", "Pathfinder", "suv", 37000, "S|SV|SL|Platinum", "5N1", 1.2),
    _m("Nissan", "Murano", "suv", 38000, "SV|SL|Platinum", "5N1", 0.8),
    _m("Hyundai", "Elantra", "sedan", 22500, "SE|SEL|Limited|N Line", "5NP|KMH", 3),
    _m("Hyundai", "Tucson", "suv", 28500, "SE|SEL|XRT|Limited", "5NM|KM8", 3.5),
    _m("Hyundai", "Santa Fe", "suv", 33500, "SE|SEL|XRT|Limited|Calligraphy", "5NM", 2),
    _m("Hyundai", "Palisade", "suv", 38000, "SE|SEL|XRT|Limited|Calligraphy", "KM8", 1.5),
    _m("Hyundai", "Kona", "suv", 24500, "SE|SEL|N Line|Limited", "KM8", 1.5),
    _m("Hyundai", "Sonata", "sedan", 27500, "SE|SEL|N Line|Limited", "KMH", 1),
    _m("Kia", "Forte", "sedan", 21000, "LX|LXS|GT-Line|GT", "3KP", 2),
    _m("Kia", "Sportage", "suv", 28000, "LX|EX|X-Line|SX", "KND|5XY", 3),
    _m("Kia", "Sorento", "suv", 32000, "LX|S|EX|X-Line|SX", "5XY", 2),
    _m("Kia", "Telluride", "suv", 37000, "LX|S|EX|SX|X-Pro", "5XX", 2),
    _m("Kia", "Seltos", "suv", 24500, "LX|S|EX|SX", "KND", 1.2),
    _m("Kia", "Carnival", "minivan", 35000, "LX|EX|SX", "KND", 0.8),
    _m("Jeep", "Wrangler", "suv", 33000, "Sport|Sport S|Willys|Sahara|Rubicon", "1C4", 3),
    _m("Jeep", "Grand Cherokee", "suv", 40000, "Laredo|Altitude|Limited|Overland|Summit", "1C4", 3),
    _m("Jeep", "Compass", "suv", 28000, "Sport|Latitude|Limited|Trailhawk", "3C4", 1.5),
    _m("Jeep", "Gladiator", "truck", 38000, "Sport|Mojave|Rubicon", "1C6", 1),
    _m("Ram", "1500", "truck", 41000, "Tradesman|Big Horn|Laramie|Rebel|Limited", "1C6", 4),
    _m("Ram", "2500", "truck", 46000, "Tradesman|Big Horn|Laramie|Power Wagon", "3C6", 1.5),
    _m("Ram", "ProMaster", "van", 45000, "1500|2500|3500", "3C6", 0.6),
    _m("Volkswagen", "Jetta", "sedan", 22500, "S|Sport|SE|SEL", "3VW", 2.5),
    _m("Volkswagen", "Tiguan", "suv", 29000, "S|SE|SE R-Line|SEL R-Line", "3VV", 3),
    _m("Volkswagen", "Atlas", "suv", 38500, "SE|SE with Technology|Peak Edition|SEL", "1V2", 2),
    _m("Volkswagen", "Taos", "suv", 24500, "S|SE|SEL", "3VV", 1.5),
    _m("Volkswagen", "Golf GTI", "hatchback", 32000, "S|SE|Autobahn", "3VW", 0.8),
    _m("Volkswagen", "ID.4", "suv", 41000, "Standard|Pro|Pro S", "1V2", 0.8),
    _m("Lexus", "RX", "suv", 49000, "350|350h|500h F SPORT", "2T2|JTJ", 3),
    _m("Lexus", "ES", "sedan", 42000, "250|300h|350 F SPORT", "58A|JTH", 2),
    _m("Lexus", "NX", "suv", 41000, "250|350|350h|450h+", "JTJ|2T2", 2.5),
    _m("Lexus", "IS", "sedan", 40000, "300|350 F SPORT|500", "JTH", 1),
    _m("Lexus", "GX", "suv", 64000, "Premium|Luxury|Overtrail", "JTJ", 1),
    _m("BMW", "3 Series", "sedan", 45000, "330i|330i xDrive|M340i", "3MW|WBA", 2.5),
    _m("BMW", "X3", "suv", 49000, "30 xDrive|M50", "5UX|WBX", 3),
    _m("BMW", "X5", "suv", 66000, "xDrive40i|xDrive50e|M60i", "5UX", 2.5),
    _m("BMW", "5 Series", "sedan", 58000, "530i|540i xDrive|i5 eDrive40", "WBA", 1.5),
    _m("BMW", "X1", "suv", 41000, "xDrive28i|M35i", "WBX", 1.5),
    _m("BMW", "4 Series", "coupe", 50000, "430i|M440i", "WBA", 1),
)

MAKES: tuple[str, ...] = tuple(dict.fromkeys(m.make for m in MODELS))
# How common each make is on the used lot (roughly US registrations).
USED_MAKE_WEIGHTS = {
    "Toyota": 14,
    "Ford": 13,
    "Chevrolet": 12,
    "Honda": 10,
    "Nissan": 7,
    "Jeep": 5,
    "Hyundai": 5,
    "Kia": 4,
    "Subaru": 4,
    "GMC": 4,
    "Ram": 4,
    "Mazda": 3,
    "Volkswagen": 3,
    "BMW": 2.5,
    "Lexus": 2.5,
}

COLORS = ("White", "Black", "Gray", "Silver", "Blue", "Red", "Green", "Brown", "Beige", "Orange")
COLOR_WEIGHTS = (24, 20, 18, 11, 10, 9, 3, 2, 1.5, 1.5)

EMAIL_DOMAINS = (
    "gmail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "icloud.com",
    "aol.com",
    "comcast.net",
    "att.net",
    "msn.com",
    "live.com",
)
EMAIL_DOMAIN_WEIGHTS = (46, 14, 8, 8, 9, 4, 3, 3, 2, 3)
# Typos seen in real CRM exports, keyed by the domain they corrupt.
EMAIL_TYPO_DOMAINS = (
    "gmial.com",
    "gmail.co",
    "gamil.com",
    "yaho.com",
    "hotmial.com",
    "outlok.com",
    "icloud.con",
    "gmail.con",
)

INCOME_BANDS = ("<50k", "50-100k", "100-150k", "150k+")
INCOME_WEIGHTS = (0.25, 0.35, 0.22, 0.18)

# Faker en_US lists as weighted arrays.
FIRST_NAMES_MALE = np.array(list(_Person.first_names_male.keys()), dtype=object)
FIRST_NAMES_MALE_W = np.array(list(_Person.first_names_male.values()), dtype=float)
FIRST_NAMES_FEMALE = np.array(list(_Person.first_names_female.keys()), dtype=object)
FIRST_NAMES_FEMALE_W = np.array(list(_Person.first_names_female.values()), dtype=float)
LAST_NAMES = np.array(list(_Person.last_names.keys()), dtype=object)
LAST_NAMES_W = np.array(list(_Person.last_names.values()), dtype=float)
_COMMON_SUFFIXES = {
    "Street": 20,
    "Avenue": 12,
    "Drive": 14,
    "Lane": 8,
    "Road": 8,
    "Court": 6,
    "Way": 6,
    "Boulevard": 3,
    "Place": 3,
    "Circle": 4,
    "Trail": 3,
    "Parkway": 2,
    "Loop": 1,
}
STREET_SUFFIXES = np.array(sorted(set(_Address.street_suffixes)), dtype=object)
STREET_SUFFIX_W = np.array([_COMMON_SUFFIXES.get(s, 0.15) for s in STREET_SUFFIXES], dtype=float)
STREET_SUFFIX_ABBR = {
    "Street": "St",
    "Avenue": "Ave",
    "Drive": "Dr",
    "Lane": "Ln",
    "Road": "Rd",
    "Court": "Ct",
    "Boulevard": "Blvd",
    "Place": "Pl",
    "Circle": "Cir",
    "Trail": "Trl",
    "Parkway": "Pkwy",
}

# Site pages (path, weight as a non-landing pageview).
SITE_PAGES = (
    ("/", 14),
    ("/new-vehicles/", 16),
    ("/used-vehicles/", 14),
    ("/specials/", 6),
    ("/service/", 7),
    ("/service/schedule/", 3),
    ("/finance/", 4),
    ("/value-your-trade/", 4),
    ("/contact-us/", 3),
    ("/about-us/", 1),
)

REFERRAL_SOURCES = ("cars.com", "cargurus.com", "autotrader.com", "kbb.com", "edmunds.com")
THIRD_PARTY_PROVIDERS = ("cars.com", "cargurus.com", "autotrader.com", "truecar.com", "edmunds.com")
