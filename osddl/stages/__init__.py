"""Stage entry points: settings in, artifacts out. The doit tasks call these and nothing else."""
