"""Boundaries: admin areas, grid layers, generations, uploads + validation, 多网合一 merge, locate."""
