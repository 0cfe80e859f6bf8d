"""Value pools for ``manage.py generate_data``: people, organizations, addresses and phone numbers
that look like a European sales team's contacts (and some American ones).

Every function takes the caller's ``random.Random`` so a seed gives the same values in the same
order. Names keep their accents; e-mail addresses and domains are folded to ASCII, as real ones
are. Domains end in ``.example`` (RFC 2606), so no generated address can reach anyone.
"""

from __future__ import annotations

import random
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import accumulate
from typing import Generic, TypeVar

import phonenumbers
from phonenumbers import PhoneNumberType

from crm.phones import international_e164

T = TypeVar("T")


# Millions of values are drawn: the Random methods choice, randrange and choices cost about ten
# times what one ``rng.random()`` does, so the draws below are made of that one call.
def pick(rng: random.Random, options: Sequence[T]) -> T:
    return options[int(rng.random() * len(options))]


def below(rng: random.Random, count: int) -> int:
    """A whole number from 0 to ``count - 1``."""
    return int(rng.random() * count)


class Weighted(Generic[T]):
    """Draws one of ``values`` with the given weights."""

    __slots__ = ("cumulative", "total", "values")

    def __init__(self, values: Sequence[T], weights: Sequence[float]) -> None:
        self.values = tuple(values)
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        return self.values[bisect_right(self.cumulative, rng.random() * self.total)]


@dataclass(frozen=True)
class City:
    name: str
    postcode_prefix: str
    area_code: str
    region: str = ""


@dataclass(frozen=True)
class Country:
    code: str
    weight: int
    phone_code: str
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    cities: tuple[City, ...]
    streets: tuple[str, ...]
    # After the city's prefix: ``#`` a digit, ``@`` a capital letter, anything else as is.
    postcode_pattern: str
    number_first: bool  # "12 Rue de la Paix" rather than "Hauptstraße 12"
    legal_forms: tuple[str, ...]
    trades: tuple[str, ...]


# One entry per country, kept compact so that a country reads on one screen.
# fmt: off
COUNTRIES: tuple[Country, ...] = (
    Country(
        code="DE", weight=26, phone_code="+49",
        first_names=(
            "Anna", "Lena", "Hanna", "Julia", "Laura", "Sophie", "Marie", "Katrin", "Sabine",
            "Petra", "Jonas", "Lukas", "Felix", "Maximilian", "Paul", "Tobias", "Stefan", "Michael",
            "Thomas", "Jörg", "Uwe", "Jürgen", "Dominik", "Sebastian",
        ),
        last_names=(
            "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
            "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
            "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt",
            "Werner", "Krause", "Lehmann", "Köhler",
        ),
        cities=(
            City("Berlin", "10", "30", "Berlin"),
            City("Hamburg", "20", "40", "Hamburg"),
            City("München", "80", "89", "Bayern"),
            City("Köln", "50", "221", "Nordrhein-Westfalen"),
            City("Frankfurt am Main", "60", "69", "Hessen"),
            City("Stuttgart", "70", "711", "Baden-Württemberg"),
            City("Düsseldorf", "40", "211", "Nordrhein-Westfalen"),
            City("Leipzig", "04", "341", "Sachsen"),
            City("Dresden", "01", "351", "Sachsen"),
            City("Hannover", "30", "511", "Niedersachsen"),
            City("Nürnberg", "90", "911", "Bayern"),
            City("Bremen", "28", "421", "Bremen"),
        ),
        streets=(
            "Hauptstraße", "Bahnhofstraße", "Gartenstraße", "Schulstraße", "Lindenweg",
            "Bergstraße", "Kirchstraße", "Am Markt", "Industriestraße", "Friedrichstraße",
            "Goethestraße", "Schillerstraße", "Mühlenweg", "Hafenstraße",
        ),
        postcode_pattern="###", number_first=False,
        legal_forms=(
            "GmbH", "GmbH", "GmbH & Co. KG", "AG", "KG", "e.K.",
        ),
        trades=(
            "Bau", "Logistik", "Elektro", "Maschinenbau", "Gastro", "Sanitär", "Druck",
            "Immobilien", "Software", "Metallbau", "Bäckerei", "Reisen",
        ),
    ),
    Country(
        code="FR", weight=12, phone_code="+33",
        first_names=(
            "Camille", "Claire", "Élise", "Manon", "Chloé", "Léa", "Amélie", "Sophie", "Hugo",
            "Lucas", "Louis", "Julien", "Nicolas", "Théo", "Antoine", "François", "Mathieu",
        ),
        last_names=(
            "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
            "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "Fournier",
            "Girard", "Bonnet", "Mercier", "Rousseau",
        ),
        cities=(
            City("Paris", "75", "1", "Île-de-France"),
            City("Lyon", "69", "4", "Auvergne-Rhône-Alpes"),
            City("Marseille", "13", "4", "Provence-Alpes-Côte d'Azur"),
            City("Toulouse", "31", "5", "Occitanie"),
            City("Nantes", "44", "2", "Pays de la Loire"),
            City("Bordeaux", "33", "5", "Nouvelle-Aquitaine"),
            City("Lille", "59", "3", "Hauts-de-France"),
            City("Strasbourg", "67", "3", "Grand Est"),
        ),
        streets=(
            "Rue de la République", "Rue Victor Hugo", "Avenue Jean Jaurès", "Rue de la Paix",
            "Boulevard Voltaire", "Rue du Moulin", "Place de l'Église", "Rue des Écoles",
            "Avenue de la Gare", "Rue Pasteur",
        ),
        postcode_pattern="0##", number_first=True,
        legal_forms=(
            "SARL", "SAS", "SA", "EURL",
        ),
        trades=(
            "Transports", "Bâtiment", "Immobilier", "Conseil", "Boulangerie", "Électricité",
            "Informatique", "Imprimerie", "Distribution",
        ),
    ),
    Country(
        code="GB", weight=11, phone_code="+44",
        first_names=(
            "Oliver", "George", "Harry", "Jack", "Charlie", "Thomas", "James", "William", "Amelia",
            "Olivia", "Isla", "Emily", "Grace", "Sophie", "Charlotte", "Zoe",
        ),
        last_names=(
            "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Evans",
            "Thomas", "Roberts", "Walker", "Wright", "Hughes", "Clarke", "Baker", "Green", "Hall",
            "Wood", "Harris",
        ),
        cities=(
            City("London", "SW1", "20", "Greater London"),
            City("Manchester", "M1", "161", "Greater Manchester"),
            City("Birmingham", "B1", "121", "West Midlands"),
            City("Leeds", "LS1", "113", "West Yorkshire"),
            City("Bristol", "BS1", "117", "Bristol"),
            City("Glasgow", "G1", "141", "Scotland"),
            City("Edinburgh", "EH1", "131", "Scotland"),
        ),
        streets=(
            "High Street", "Station Road", "Church Lane", "Victoria Road", "Park Avenue",
            "Mill Lane", "King Street", "Queen's Road", "The Green", "New Road",
        ),
        postcode_pattern=" #@@", number_first=True,
        legal_forms=(
            "Ltd", "Ltd", "PLC", "LLP", "& Sons Ltd",
        ),
        trades=(
            "Logistics", "Builders", "Print", "Consulting", "Engineering", "Catering", "Electrical",
            "Joinery", "Software", "Property",
        ),
    ),
    Country(
        code="NL", weight=8, phone_code="+31",
        first_names=(
            "Daan", "Sem", "Lucas", "Jan", "Pieter", "Bram", "Sanne", "Emma", "Lotte", "Fleur",
            "Anouk", "Eva", "Noor",
        ),
        last_names=(
            "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser", "Smit",
            "Meijer", "de Boer", "Mulder", "Bos", "Vos", "Peters",
        ),
        cities=(
            City("Amsterdam", "10", "20", "Noord-Holland"),
            City("Rotterdam", "30", "10", "Zuid-Holland"),
            City("Utrecht", "35", "30", "Utrecht"),
            City("Eindhoven", "56", "40", "Noord-Brabant"),
            City("Den Haag", "25", "70", "Zuid-Holland"),
            City("Groningen", "97", "50", "Groningen"),
        ),
        streets=(
            "Dorpsstraat", "Kerkstraat", "Stationsweg", "Molenweg", "Schoolstraat", "Julianalaan",
            "Prinsengracht", "Marktplein", "Industrieweg",
        ),
        postcode_pattern="## @@", number_first=False,
        legal_forms=(
            "B.V.", "B.V.", "N.V.", "V.O.F.",
        ),
        trades=(
            "Logistiek", "Bouw", "Installatietechniek", "Handel", "Advies", "Techniek",
        ),
    ),
    Country(
        code="IT", weight=8, phone_code="+39",
        first_names=(
            "Giulia", "Francesca", "Chiara", "Sofia", "Laura", "Alessandro", "Marco", "Luca",
            "Matteo", "Giovanni", "Andrea", "Davide", "Federico",
        ),
        last_names=(
            "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
            "Marino", "Greco", "Bruno", "Gallo", "Conti", "Moretti", "De Luca",
        ),
        cities=(
            City("Milano", "201", "02", "Lombardia"),
            City("Roma", "001", "06", "Lazio"),
            City("Torino", "101", "011", "Piemonte"),
            City("Bologna", "401", "051", "Emilia-Romagna"),
            City("Firenze", "501", "055", "Toscana"),
            City("Napoli", "801", "081", "Campania"),
        ),
        streets=(
            "Via Roma", "Via Garibaldi", "Corso Italia", "Via Dante", "Via Mazzini",
            "Piazza del Popolo", "Via Verdi", "Viale dei Mille",
        ),
        postcode_pattern="##", number_first=False,
        legal_forms=(
            "S.r.l.", "S.r.l.", "S.p.A.", "S.n.c.",
        ),
        trades=(
            "Arredamenti", "Costruzioni", "Trasporti", "Ottica", "Impianti", "Tessile",
        ),
    ),
    Country(
        code="ES", weight=7, phone_code="+34",
        first_names=(
            "Lucía", "María", "Carmen", "Paula", "Elena", "Pablo", "Javier", "Alejandro", "Daniel",
            "Sergio", "Carlos", "Diego", "Marta",
        ),
        last_names=(
            "García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez",
            "Gómez", "Ruiz", "Díaz", "Moreno", "Muñoz", "Álvarez",
        ),
        cities=(
            City("Madrid", "280", "91", "Comunidad de Madrid"),
            City("Barcelona", "080", "93", "Cataluña"),
            City("Valencia", "460", "96", "Comunidad Valenciana"),
            City("Sevilla", "410", "95", "Andalucía"),
            City("Bilbao", "480", "94", "País Vasco"),
            City("Zaragoza", "500", "976", "Aragón"),
        ),
        streets=(
            "Calle Mayor", "Calle Real", "Avenida de la Constitución", "Calle del Sol",
            "Plaza de España", "Calle Nueva", "Paseo de Gracia", "Gran Vía",
        ),
        postcode_pattern="##", number_first=False,
        legal_forms=(
            "S.L.", "S.L.", "S.A.", "S.L.U.",
        ),
        trades=(
            "Hostelería", "Construcciones", "Transportes", "Distribuciones", "Reformas",
        ),
    ),
    Country(
        code="AT", weight=5, phone_code="+43",
        first_names=(
            "Katharina", "Anna", "Lisa", "Magdalena", "Florian", "Lukas", "David",
        ),
        last_names=(
            "Gruber", "Huber", "Bauer", "Wagner", "Pichler", "Steiner", "Moser", "Mayer", "Hofer",
            "Leitner",
        ),
        cities=(
            City("Wien", "10", "1", "Wien"),
            City("Graz", "80", "316", "Steiermark"),
            City("Linz", "40", "732", "Oberösterreich"),
            City("Salzburg", "50", "662", "Salzburg"),
            City("Innsbruck", "60", "512", "Tirol"),
        ),
        streets=(
            "Hauptplatz", "Ringstraße", "Landstraße", "Kirchengasse", "Bahnhofplatz",
        ),
        postcode_pattern="#0", number_first=False,
        legal_forms=(
            "GmbH", "GmbH", "AG", "OG", "KG",
        ),
        trades=(
            "Bau", "Tischlerei", "Elektrotechnik", "Holzbau", "Reisen", "Gastronomie",
        ),
    ),
    Country(
        code="CH", weight=4, phone_code="+41",
        first_names=(
            "Noah", "Leon", "Luca", "Nina", "Lara", "Mia", "Reto", "Urs", "Corinne",
        ),
        last_names=(
            "Müller", "Meier", "Schmid", "Keller", "Weber", "Huber", "Schneider", "Brunner",
            "Baumann", "Frei",
        ),
        cities=(
            City("Zürich", "80", "44", "ZH"),
            City("Basel", "40", "61", "BS"),
            City("Bern", "30", "31", "BE"),
            City("Luzern", "60", "41", "LU"),
            City("Genève", "12", "22", "GE"),
        ),
        streets=(
            "Bahnhofstrasse", "Seestrasse", "Dorfstrasse", "Kirchweg", "Rosenweg",
        ),
        postcode_pattern="##", number_first=False,
        legal_forms=(
            "AG", "AG", "GmbH", "SA", "Sàrl",
        ),
        trades=(
            "Treuhand", "Uhren", "Informatik", "Bau", "Immobilien", "Präzisionstechnik",
        ),
    ),
    Country(
        code="PL", weight=5, phone_code="+48",
        first_names=(
            "Anna", "Katarzyna", "Magdalena", "Agnieszka", "Piotr", "Marek", "Tomasz", "Paweł",
            "Krzysztof", "Michał",
        ),
        last_names=(
            "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
            "Zieliński", "Szymański", "Woźniak",
        ),
        cities=(
            City("Warszawa", "00", "22", "Mazowieckie"),
            City("Kraków", "30", "12", "Małopolskie"),
            City("Wrocław", "50", "71", "Dolnośląskie"),
            City("Poznań", "60", "61", "Wielkopolskie"),
            City("Gdańsk", "80", "58", "Pomorskie"),
        ),
        streets=(
            "ul. Główna", "ul. Polna", "ul. Leśna", "ul. Słoneczna", "ul. Krótka", "ul. Szkolna",
            "ul. Ogrodowa",
        ),
        postcode_pattern="-###", number_first=False,
        legal_forms=(
            "sp. z o.o.", "sp. z o.o.", "S.A.", "sp.k.",
        ),
        trades=(
            "Budownictwo", "Transport", "Handel", "Usługi", "Meble", "Elektronika",
        ),
    ),
    Country(
        code="SE", weight=4, phone_code="+46",
        first_names=(
            "Erik", "Lars", "Karl", "Johan", "Anna", "Maria", "Elin", "Sara", "Linnea",
        ),
        last_names=(
            "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
            "Lindqvist", "Lindberg", "Berg",
        ),
        cities=(
            City("Stockholm", "11", "8", "Stockholms län"),
            City("Göteborg", "41", "31", "Västra Götaland"),
            City("Malmö", "21", "40", "Skåne"),
            City("Uppsala", "75", "18", "Uppsala län"),
        ),
        streets=(
            "Storgatan", "Drottninggatan", "Kungsgatan", "Skolgatan", "Järnvägsgatan",
        ),
        postcode_pattern="# ##", number_first=False,
        legal_forms=(
            "AB", "AB", "HB",
        ),
        trades=(
            "Bygg", "Design", "Transport", "Teknik", "Fastigheter", "Konsult",
        ),
    ),
    Country(
        code="US", weight=10, phone_code="+1",
        first_names=(
            "James", "Michael", "Robert", "David", "Chris", "Daniel", "Matthew", "Jennifer",
            "Jessica", "Ashley", "Sarah", "Emily", "Megan", "Rachel", "Brian", "Kevin",
        ),
        last_names=(
            "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
            "Anderson", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White",
            "Harris", "Clark", "Lewis", "Walker",
        ),
        cities=(
            City("New York", "100", "212", "NY"),
            City("Chicago", "606", "312", "IL"),
            City("Austin", "787", "512", "TX"),
            City("Seattle", "981", "206", "WA"),
            City("Boston", "021", "617", "MA"),
            City("Denver", "802", "303", "CO"),
            City("Atlanta", "303", "404", "GA"),
        ),
        streets=(
            "Main Street", "Oak Avenue", "Maple Drive", "Park Avenue", "Washington Street",
            "Lake Road", "Elm Street", "Broadway", "Pine Street", "Cedar Lane",
        ),
        postcode_pattern="##", number_first=True,
        legal_forms=(
            "Inc.", "Inc.", "LLC", "LLC", "Corp.",
        ),
        trades=(
            "Logistics", "Construction", "Solutions", "Supply", "Manufacturing", "Services",
            "Media", "Health",
        ),
    ),
)
# fmt: on

_COUNTRY = Weighted(COUNTRIES, [country.weight for country in COUNTRIES])

MAIL_PROVIDERS = ("mail.example", "post.example", "inbox.example", "webmail.example")

JOB_TITLES = (
    "Managing director", "Head of purchasing", "Purchasing manager", "Office manager",
    "Operations manager", "IT manager", "Finance manager", "Accountant", "Assistant",
    "Sales manager", "Project manager", "Facility manager", "CEO", "CFO", "Owner",
)  # fmt: skip
CONTACT_ROLES = (
    "Purchasing", "Accounts payable", "Management", "IT", "Operations", "Facilities",
    "Decision maker", "Technical contact",
)  # fmt: skip
ADDRESS_LABELS = ("", "", "", "Head office", "Warehouse", "Branch office", "Plant", "Store")
SECOND_LINES = ("", "", "", "", "", "2nd floor", "Building B", "Unit 4", "c/o Reception")

LEAD_NOTES = (
    "Asked for a call back next week.",
    "Met at the trade fair; interested in a volume discount.",
    "Wants a quotation before the end of the quarter.",
    "Currently with a competitor, contract ends in spring.",
    "Prefers e-mail over phone.",
    "Budget is approved, needs sign-off from the owner.",
    "Downloaded the product sheet twice.",
)
CUSTOMER_NOTES = (
    "Pays reliably within 14 days.",
    "Key account: check stock before confirming dates.",
    "Deliveries only in the morning.",
    "Prefers one consolidated invoice per month.",
    "Ask for the PO number on every order.",
)
DOCUMENT_NOTES = (
    "Delivery within 10 working days after confirmation.",
    "Prices valid for the quantities quoted.",
    "Installation on site included.",
    "Payment 30 days net.",
)

# (name, description, net price range) for a catalog made for a company that has none.
CATALOG = (
    ("Office chair Ergo", "Ergonomic office chair with lumbar support.", (189, 459)),
    ("Standing desk Flex", "Electric height-adjustable desk, 160 × 80 cm.", (499, 999)),
    ('Business laptop 14"', "16 GB RAM, 512 GB SSD, 3-year warranty.", (899, 1599)),
    ('Monitor 27" QHD', "27-inch IPS display with USB-C.", (249, 449)),
    ("Docking station USB-C", "Dual display, 100 W charging.", (149, 259)),
    ("Wireless headset", "Noise-cancelling, with charging stand.", (89, 229)),
    ("Conference camera", "4K camera with auto framing.", (399, 899)),
    ("Laser printer A4", "Duplex, 40 pages per minute.", (249, 649)),
    ("Barcode scanner", "Cordless 2D scanner for warehouses.", (129, 329)),
    ('Tablet 11"', "Rugged tablet for field staff.", (349, 749)),
    ("Network switch 24-port", "Managed gigabit switch with PoE.", (299, 899)),
    ("Wi-Fi access point", "Ceiling-mounted Wi-Fi 6 access point.", (159, 389)),
    ("Server rack 42U", "Lockable rack with cable management.", (699, 1499)),
    ("UPS 1500 VA", "Uninterruptible power supply, rack mount.", (329, 799)),
    ('Meeting room display 65"', "4K display with wall mount.", (999, 2199)),
    ("Point-of-sale terminal", "Touch terminal with receipt printer.", (599, 1299)),
    ("Annual maintenance", "On-site service for one year.", (490, 2900)),
    ("Installation service", "Installation and set-up, per day.", (640, 980)),
    ("Training workshop", "One-day workshop for up to 10 people.", (890, 1790)),
    ("Software licence Pro", "Annual licence per seat.", (120, 480)),
    ("Cloud backup 1 TB", "Annual subscription.", (99, 299)),
    ("Toner cartridge", "High-yield toner, 10,000 pages.", (69, 159)),
    ("Copy paper A4 (box)", "5 reams of 500 sheets, 80 g/m².", (19, 39)),
    ("Desk lamp LED", "Dimmable, with USB charger.", (39, 119)),
    ("Filing cabinet", "Steel, 4 drawers, lockable.", (179, 399)),
    ("Whiteboard 180 × 120", "Magnetic, with pen tray.", (129, 289)),
    ("Coffee machine Office", "Bean-to-cup, for 30 people.", (899, 2499)),
    ("Safety shoes S3", "Steel toe cap, sizes 36-48.", (59, 149)),
    ("Pallet truck 2.5 t", "Manual pallet truck.", (299, 649)),
    ("Shelving unit heavy duty", "5 shelves, 300 kg each.", (149, 389)),
)


def pick_country(rng: random.Random) -> Country:
    return _COUNTRY.pick(rng)


def country_by_code(code: str) -> Country:
    for country in COUNTRIES:
        if country.code == code:
            return country
    raise LookupError(code)


_FOLD = str.maketrans({"ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "æ": "ae", "ı": "i"})
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


@lru_cache(maxsize=4096)
def ascii_slug(text: str, separator: str = "") -> str:
    """``Müller & Söhne`` -> ``muellersoehne``: what the part of an e-mail address looks like."""
    text = text.translate(_UMLAUTS).translate(_FOLD)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = "".join(ch if ch.isalnum() else " " for ch in text).split()
    return separator.join(words)


_DIGITS = "0123456789"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def fill_pattern(rng: random.Random, pattern: str) -> str:
    out = []
    for ch in pattern:
        if ch == "#":
            out.append(_DIGITS[below(rng, 10)])
        elif ch == "@":
            out.append(_LETTERS[below(rng, 26)])
        else:
            out.append(ch)
    return "".join(out)


@cache
def _subscriber_digits(phone_code: str, area_code: str) -> int:
    """How many digits follow the area code in a valid number there (libphonenumber's metadata:
    seven in Berlin, eight in Paris or London)."""

    def valid_blocks(length: int) -> int:
        samples = (f"{phone_code}{area_code}{lead}{'5' * (length - 1)}" for lead in "23456789")
        return sum(phonenumbers.is_valid_number(phonenumbers.parse(n)) for n in samples)

    return max((7, 8, 6, 9, 5), key=valid_blocks)


@cache
def _mobile_prefix(country_code: str) -> tuple[str, int]:
    """A mobile prefix of the country and how many digits follow it (from its example number)."""
    example = phonenumbers.example_number_for_type(country_code, PhoneNumberType.MOBILE)
    national = phonenumbers.national_significant_number(example)
    return national[:3], len(national) - 3


def phone_number(rng: random.Random, country: Country, city: City) -> str:
    """``+49304417823``: a valid number in E.164 (as stored), the city's area code first."""
    length = _subscriber_digits(country.phone_code, city.area_code)
    return _valid_number(rng, f"{country.phone_code}{city.area_code}", length)


def mobile_number(rng: random.Random, country: Country) -> str:
    prefix, length = _mobile_prefix(country.code)
    return _valid_number(rng, f"{country.phone_code}{prefix}", length)


def _valid_number(rng: random.Random, start: str, length: int) -> str:
    """``start`` and ``length`` more digits (the first 2-9), drawn again while libphonenumber
    calls the block of numbers invalid (a few ranges inside an area belong elsewhere, e.g.
    +33 594). Blocks are judged once each: generating a million rows parses no number."""
    first = 2 * 10 ** (length - 1)
    for _attempt in range(20):
        number = f"{start}{first + below(rng, 8 * 10 ** (length - 1))}"
        if _block_is_valid(number[: len(start) + 3], len(number) - len(start) - 3):
            break
    return number


@cache
def _block_is_valid(block: str, rest: int) -> bool:
    # ``international_e164`` answers a number as libphonenumber does (valid: its E.164), for
    # less than a third of ``parse`` and ``is_valid_number``'s time.
    return international_e164(block + "5" * rest) is not None


def postcode(rng: random.Random, country: Country, city: City) -> str:
    return city.postcode_prefix + fill_pattern(rng, country.postcode_pattern)


def street_line(rng: random.Random, country: Country) -> str:
    street = pick(rng, country.streets)
    number = 1 + below(rng, 199)
    if rng.random() < 0.1:
        number = f"{number}{pick(rng, 'abc')}"
    return f"{number} {street}" if country.number_first else f"{street} {number}"


def organization(
    rng: random.Random, country: Country, last_name: str, city: City
) -> tuple[str, str]:
    """A name with a legal form and its web domain without it: ``Wagner Logistik GmbH``,
    ``wagner-logistik.example``; also ``Baker & Hughes Ltd``, ``Hamburg Elektro GmbH``."""
    shape = rng.random()
    if shape < 0.45:
        core = f"{last_name} {pick(rng, country.trades)}"
    elif shape < 0.65:
        core = f"{last_name} & {pick(rng, country.last_names)}"
    elif shape < 0.85:
        core = f"{city.name} {pick(rng, country.trades)}"
    else:
        core = last_name
    core = core[0].upper() + core[1:]
    return f"{core} {pick(rng, country.legal_forms)}", f"{ascii_slug(core, '-')}.example"


def personal_email(rng: random.Random, first: str, last: str) -> str:
    local = f"{ascii_slug(first)}.{ascii_slug(last)}"
    if rng.random() < 0.5:
        local += str(1 + below(rng, 98))
    return f"{local}@{pick(rng, MAIL_PROVIDERS)}"


def work_email(first: str, last: str, domain: str) -> str:
    return f"{ascii_slug(first)}.{ascii_slug(last)}@{domain}"
