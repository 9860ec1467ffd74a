"""Grid workers (网格员): profiles, grid assignments with history, patrol tracks."""
