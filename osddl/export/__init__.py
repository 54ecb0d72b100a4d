"""The data half of the pipeline: snapshots of the source, the load order, DynamicData scripts."""
