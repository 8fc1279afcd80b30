"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) served at /open311/v2/.

Requests created here enter the appeal loop through `appeals.services.appeal_submit`
with channel `open311`; their status is read back from the appeal."""
