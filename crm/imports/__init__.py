"""Importing records from CSV and XLSX files (reading, kinds, the engine, jobs)."""
