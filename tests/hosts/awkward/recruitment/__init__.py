"""A recruitment app written the way real HRMS code is, not the way the app would like it."""
