"""Renderers of the council report: each takes a CouncilReport and writes one file format."""
