"""tpmm evaluation."""
