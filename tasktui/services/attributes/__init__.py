"""Custom attributes: value types, definitions, display groups and the sets events refer to."""
