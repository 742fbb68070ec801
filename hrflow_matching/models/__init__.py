"""The app's tables, one module per concern; import them from here."""
