"""Table data: snapshots of the source (Parquet) and what is rendered from them."""
