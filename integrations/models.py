"""Data that flows in and out: imports, exports and the Open311 GeoReport v2 endpoint."""
