"""Entity resolution: one artist, one venue, whatever the source."""
