"""API shapes of the service points. Public outputs carry no personal data:
`phone` is the station's public line and `contact_name` a post."""

from ninja import Field, Schema

from core.api import choice_of

from .models import Amenity, Place


class OfferOut(Schema):
    code: str
    label: str
    available_now: bool
    own_hours: str = Field("", description="The offering's own daily hours; empty when it follows the place's")
    note: str = ""


class PlaceOut(Schema):
    id: int
    name: str
    kind: choice_of(Place.Kind)  # type: ignore[valid-type]
    kind_label: str
    community: str = Field(description="Name of the community (or street) the place serves")
    region_code: str
    address: str
    lng: float | None
    lat: float | None
    phone: str
    contact_name: str
    open_now: bool
    status: str = Field(description="In words: open until 18:00, opens at 08:30, closed today …")
    state: str = Field(description="open | open_24h | opens_later | closed_today | closed")
    changes_at: str | None = Field(None, description="When it next opens or closes (ISO 8601), if within two weeks")
    distance_m: int | None = Field(None, description="Metres from the given point")
    offers: list[OfferOut]


class DayHoursOut(Schema):
    weekday: int
    name: str
    hours: str


class PlaceDetailOut(PlaceOut):
    description: str
    hours_note: str
    closes_on_holidays: bool
    week: list[DayHoursOut]
    is_active: bool
    is_public: bool
    version: int


class PlaceFilters(Schema):
    lng: float | None = Field(None, description="Your longitude (WGS84); with lat, sorts by distance")
    lat: float | None = None
    open_now: bool = False
    amenity: choice_of(Amenity) | None = None  # type: ignore[valid-type]
    kind: choice_of(Place.Kind) | None = None  # type: ignore[valid-type]
    community: str = Field("", description="Community code: measure from its centre when no lng/lat")


class AmenityIn(Schema):
    code: choice_of(Amenity)  # type: ignore[valid-type]
    hours: str = Field("", description="Own daily hours, e.g. 09:00-17:00; empty = whenever the place is open")
    note: str = ""


HOURS_HELP = ("Seven texts, Monday to Sunday: \"08:30-12:00, 14:00-18:00\", \"22:00-06:00\" (over midnight), "
              "\"24h\", or \"\" for closed")


class PlaceIn(Schema):
    name: str
    kind: choice_of(Place.Kind)  # type: ignore[valid-type]
    region: str = Field(description="Code of the community or street the place serves")
    address: str = ""
    lng: float | None = None
    lat: float | None = None
    phone: str = ""
    contact_name: str = ""
    description: str = ""
    is_public: bool = True
    closes_on_holidays: bool = False
    hours_note: str = ""
    hours: list[str] = Field(["", "", "", "", "", "", ""], description=HOURS_HELP)
    amenities: list[AmenityIn] = []


class PlacePatch(Schema):
    """Only the fields sent change; `expected_version` (from GET) guards against lost updates."""

    expected_version: int | None = None
    name: str | None = None
    kind: choice_of(Place.Kind) | None = None  # type: ignore[valid-type]
    region: str | None = None
    address: str | None = None
    lng: float | None = None
    lat: float | None = None
    phone: str | None = None
    contact_name: str | None = None
    description: str | None = None
    is_public: bool | None = None
    closes_on_holidays: bool | None = None
    hours_note: str | None = None
    hours: list[str] | None = Field(None, description=HOURS_HELP)
    amenities: list[AmenityIn] | None = None


class SpecialDayIn(Schema):
    date: str = Field(description="YYYY-MM-DD")
    is_closed: bool = True
    hours: str = Field("", description="Special hours that day when not closed, e.g. 09:00-12:00")
    note: str = ""


class SpecialDayOut(Schema):
    id: int
    date: str
    is_closed: bool
    hours: str
    note: str


class UseIn(Schema):
    date: str = Field(description="YYYY-MM-DD, today or before")
    count: int = Field(ge=0, le=100000)
    note: str = ""


class UseOut(Schema):
    date: str
    count: int
    note: str
