"""The domain: every rule of PRODUCT.md lives in exactly one function here."""
