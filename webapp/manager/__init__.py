"""Manager pages: team timeliness, late entries, reviews and CSV export."""
