"""Maps: vector tiles (MVT) of boundaries and incidents, their TileJSON documents.

The room above assessment: it reads the rooms below only through their faces (boundaries'
generations and layer names, incidents' visibility, routing's cases and teams). Nothing imports
it but the app factory, which registers its blueprint.
"""

__all__: list[str] = []
