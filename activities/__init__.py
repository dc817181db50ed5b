"""Champions find activities: the map, the list, searching near a postcode, and sharing (print, iCalendar, GeoJSON, Open Referral UK)."""
