"""Maintenance of the database file (check, backup) and the demo data set."""
