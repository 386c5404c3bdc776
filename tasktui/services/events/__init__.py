"""Events: their definitions (create, edit, retire, delete) and the manifests plugins register them from."""
