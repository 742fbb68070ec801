"""NOTIFY flow: what a change of a registered row sends, and when it sends nothing."""
