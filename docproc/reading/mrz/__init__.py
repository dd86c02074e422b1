"""Machine readable zone (ICAO Doc 9303): detection, recognition, parsing."""
