// placeholder: shared helpers for system tests
