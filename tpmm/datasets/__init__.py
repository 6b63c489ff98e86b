"""tpmm datasets."""
