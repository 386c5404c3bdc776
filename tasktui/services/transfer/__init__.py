"""Moving tasks in and out in bulk: batch raise, JSON import, CSV/JSON export."""
