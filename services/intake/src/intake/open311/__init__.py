"""Open311 GeoReport v2 in intake: the catalogue of services, the requests and their tokens, in XML
and JSON (format by the path's extension, as the specification says)."""
