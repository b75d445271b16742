"""validate-flow rules (crossfile)."""
