"""validate-flow structure rules (IVR2xx)."""
