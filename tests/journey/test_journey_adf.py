import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from journey_assets.journey.adf import (
    AdfAddress,
    AdfContact,
    AdfId,
    AdfLead,
    AdfParseError,
    AdfPhone,
    AdfProvider,
    AdfValidationError,
    AdfVehicle,
    AdfVendor,
    build_adf,
    validate_lead,
)
from journey_assets.journey.adf_parse import parse_adf, parse_adf_lead, parse_request_date

CST = timezone(timedelta(hours=-6))

LEAD = AdfLead(
    request_date=datetime(2024, 3, 9, 10, 30, tzinfo=CST),
    vehicles=(
        AdfVehicle(
            2024,
            "Honda",
            "CR-V",
            interest="test-drive",
            status="new",
            vin="7FARS4H71RE000001",
            stock="H1234",
            trim="EX-L <AWD> & more",
            price=Decimal("34995.00"),
            price_type="quote",
            price_currency="USD",
        ),
        AdfVehicle(2016, "Ford", "Focus", interest="trade-in", status="used", odometer=84120, odometer_units="mi"),
    ),
    customer=AdfContact(
        first_name="Zoë",
        last_name="O'Brien & Sons",
        email="zoe@example.com",
        phones=(AdfPhone("+15550102000", "cellphone", "evening"), AdfPhone("+15550102001")),
        address=AdfAddress(("12 Elm St", "Unit 4"), None, "Springfield", "IL", "62701", "US", "home"),
    ),
    vendor=AdfVendor(
        "Lakeside Honda",
        AdfContact(full_name="Internet Sales", email="leads@lakeside.example"),
        url="https://lakeside.example",
        ids=(AdfId("LKS-01", None, "dms"),),
    ),
    provider=AdfProvider("Dealer Journey", service="website", url="https://dj.example", email="ops@dj.example"),
    ids=(AdfId("evt-123", "1", "dealer-journey"),),
    customer_comments='Prefers "text" <after 5pm>',
    timeframe="within 2 weeks",
)


def test_build_has_declarations_and_dtd_order():
    doc = build_adf(LEAD)
    assert doc.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<?adf version="1.0"?>\n<adf>')
    root = ET.fromstring(doc.split("\n", 2)[2])
    prospect = root.find("prospect")
    assert prospect.get("status") == "new"
    assert [c.tag for c in prospect] == ["id", "requestdate", "vehicle", "vehicle", "customer", "vendor", "provider"]
    assert prospect.find("id").attrib == {"sequence": "1", "source": "dealer-journey"}
    assert prospect.findtext("requestdate") == "2024-03-09T10:30:00-06:00"
    v = prospect.find("vehicle")
    assert v.attrib == {"interest": "test-drive", "status": "new"}
    assert [c.tag for c in v][:3] == ["year", "make", "model"]
    assert v.find("price").attrib == {"type": "quote", "currency": "USD"}
    contact = prospect.find("customer/contact")
    assert [n.get("part") for n in contact.findall("name")] == ["first", "last"]
    assert contact.find("phone").attrib == {"type": "cellphone", "time": "evening"}
    assert [c.tag for c in prospect.find("vendor")] == ["id", "vendorname", "url", "contact"]


def test_special_characters_are_escaped():
    doc = build_adf(LEAD)
    assert "O'Brien &amp; Sons" in doc
    assert "EX-L &lt;AWD&gt; &amp; more" in doc
    assert "<after" not in doc


def test_round_trip():
    assert parse_adf_lead(build_adf(LEAD)) == LEAD
    assert parse_adf_lead(build_adf(LEAD, pretty=False)) == LEAD
    assert parse_adf_lead(build_adf(LEAD).encode("utf-8")) == LEAD


def test_control_characters_are_dropped_so_the_xml_stays_valid():
    lead = replace(LEAD, customer_comments="call\x07 me\x00")
    assert parse_adf_lead(build_adf(lead)).customer_comments == "call me"


def test_builder_refuses_what_the_dtd_requires():
    bad = AdfLead(
        request_date=datetime(2024, 3, 9, 10, 30),  # naive
        vehicles=(AdfVehicle(None, "Honda", None, interest="rent"),),
        customer=AdfContact(first_name="Al"),
        vendor=None,
    )
    problems = validate_lead(bad)
    assert "requestdate must be timezone-aware" in problems
    assert "vehicle 1 needs year" in problems and "vehicle 1 needs model" in problems
    assert any("interest 'rent'" in p for p in problems)
    assert "customer contact needs an email or a phone" in problems
    assert "vendor with a vendorname is required" in problems
    with pytest.raises(AdfValidationError):
        build_adf(bad)
    assert validate_lead(LEAD) == []


MESSY = """Hello,

A new lead from AutoSite:

<?ADF VERSION="1.0"?>
<?XML VERSION="1.0"?>
<ADF>
 <Prospect>
  <requestdate>2/9/2020 6:26PM</requestdate>
  <vehicle interest="Trade In" status="USED">
   <year>2015</year><make>Chevrolet</make><model>Blazer</model>
   <price>$12,500</price>
   <odometer units="mi">98,000</odometer>
  </vehicle>
  <vehicle><year>2024</year><make>Ford</make><model>Bronco Sport</model></vehicle>
  <customer>
   <contact>
    <name part="full">Mary Ann Smith &amp; Co</name>
    <email> mary@example.com </email>
    <phone>(555) 123-4567</phone>
    <phone type="mobile">555 765 4321</phone>
    <address><street line="2">Apt 5</street><street line="1">1 Oak Rd</street><city>Tulsa</city>
      <state>OK</state><zip>74103</zip></address>
   </contact>
   <comments>Ask for Jim &amp; Bob&nbsp;please. Smith & Wesson</comments>
  </customer>
  <provider><name part="full">AutoSite</name><service>Used car listings</service></provider>
 </Prospect>
</ADF>

--
Sent from the AutoSite lead engine
"""


def test_lenient_parse_of_a_messy_email_body():
    lead = parse_adf_lead(MESSY)
    assert lead.status == "new"
    assert lead.request_date == datetime(2020, 2, 9, 18, 26)
    assert "requestdate has no UTC offset" in lead.warnings
    trade, buy = lead.vehicles
    assert (trade.year, trade.make, trade.model, trade.interest, trade.status) == (
        2015,
        "Chevrolet",
        "Blazer",
        "trade-in",
        "used",
    )
    assert trade.price == Decimal("12500") and trade.odometer == 98000 and trade.odometer_units == "mi"
    assert (buy.interest, buy.status) == ("buy", "new")  # DTD defaults
    c = lead.customer
    assert c.full_name == "Mary Ann Smith & Co" and c.first_name is None
    assert c.given_name == "Mary" and c.family_name == "Co"
    assert c.email == "mary@example.com"
    assert c.phones == (AdfPhone("(555) 123-4567", "voice"), AdfPhone("555 765 4321", "cellphone"))
    assert c.address.street == ("1 Oak Rd", "Apt 5")
    assert (c.address.regioncode, c.address.postalcode) == ("OK", "74103")
    # &nbsp; is an HTML entity, not XML; whitespace is collapsed
    assert lead.customer_comments == "Ask for Jim & Bob please. Smith & Wesson"
    assert "converted 1 HTML entities" in lead.warnings
    assert lead.vendor is None and "no vendor" in lead.warnings
    assert lead.provider.name == "AutoSite"
    assert any("bare '&'" in w for w in lead.warnings)


def test_lenient_parse_without_adf_root_and_with_details_outside_contact():
    text = """<prospect status="resend"><requestdate>2024-05-01T09:00:00Z</requestdate>
      <vehicle><year>2023</year><make>Kia</make><model>Telluride</model></vehicle>
      <customer><name part="first">Sam</name><name part="last">Lee</name><phone type="cell">5550001111</phone></customer>
      <vendor><vendorname>Kia of Tulsa</vendorname></vendor></prospect>"""
    lead = parse_adf_lead(text)
    assert lead.status == "resend"
    assert lead.request_date == datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
    assert lead.customer.display_name == "Sam Lee"
    assert lead.customer.phones[0].type == "cellphone"
    assert lead.vendor.name == "Kia of Tulsa" and lead.vendor.contact is None
    assert "no <adf> root" in lead.warnings


def test_multiple_prospects_and_garbage():
    doc = build_adf(LEAD)
    two = doc.replace("</adf>", "") + doc.split("<adf>", 1)[1].replace("</prospect>\n</adf>", "</prospect></adf>")
    assert len(parse_adf(two)) == 2
    with pytest.raises(AdfParseError):
        parse_adf("no xml here")
    with pytest.raises(AdfParseError):
        parse_adf("<adf><prospect><requestdate>x</prospect></adf>")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2024-03-09T10:30:00-06:00", datetime(2024, 3, 9, 10, 30, tzinfo=CST)),
        ("2024-03-09T16:30:00Z", datetime(2024, 3, 9, 16, 30, tzinfo=UTC)),
        ("03/09/2024 10:30 am", datetime(2024, 3, 9, 10, 30)),
        ("3/9/2024", datetime(2024, 3, 9)),
        ("yesterday", None),
    ],
)
def test_request_date_formats(raw, expected):
    assert parse_request_date(raw) == expected


def test_cdata_is_left_alone_while_bare_ampersands_elsewhere_are_repaired():
    text = """<adf><prospect><requestdate>2024-05-01T09:00:00-05:00</requestdate>
      <vehicle><year>2023</year><make>Kia</make><model>Telluride</model></vehicle>
      <customer><contact><name part="full">Al & Bo</name><email>a@example.com</email></contact>
      <comments><![CDATA[Trade-in: <2015 Civic> & spare keys &amp; manuals]]></comments></customer>
      <vendor><vendorname>Kia of Tulsa</vendorname><contact><name>Sales</name><phone>555</phone></contact></vendor>
      </prospect></adf>"""
    lead = parse_adf_lead(text)
    assert lead.customer.full_name == "Al & Bo"
    assert lead.customer_comments == "Trade-in: <2015 Civic> & spare keys &amp; manuals"
    assert lead.vendor.contact.full_name == "Sales"  # <name> without part: DTD default "full"
