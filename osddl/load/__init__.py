"""`doit load`: the emitted scripts loaded into a staging database, and the data proven equal."""
