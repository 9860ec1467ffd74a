"""The permission matrix: its world (fixtures) and its table of expectations."""
