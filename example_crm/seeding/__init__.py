"""Demo data for the example CRM: generated records (``seed_demo``) and HrFlow JSONL import."""
