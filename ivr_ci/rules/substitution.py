"""validate-flow substitution rules (IVR4xx)."""
