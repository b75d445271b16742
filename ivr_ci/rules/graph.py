"""validate-flow rules (graph)."""
