"""Tasks: filters, listing and counts, raising (with dedup), status transitions and bulk actions, history, detail (comments, dependencies), attribute values."""
