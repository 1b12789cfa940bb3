"""Loading teams, practitioners and children from a council's case management export."""
