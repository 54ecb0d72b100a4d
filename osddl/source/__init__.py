"""Reading the source database: connection, OutSystems metadata, physical catalog."""
