"""uat-users: every QA user reference becomes an approved UAT user, with proof (spec 05).

Pure library (no doit): callers pass the model, the options and the snapshot files. Reading order,
which is also the order of a run (`analysis.analyse`):

- `settings`: the `uat_users.*` keys and the frozen `UatUsersOptions`.
- `ids`: the id kinds (integer, GUID, text) and their canonical form.
- `columns`: Arrow helpers: lazy sequences (a million users, ids and resolutions stay columns
  until a report reads them), exact vectorised `strip`/`casefold`, the analysis' memory pool.
- `messages`: every validation rule and message (the table the docs are generated from).
- `csvfile`, `inventory`, `usermap`, `inputs`: the operator's files, validated before anything else.
- `catalog`: the user-reference columns of the model, keyed by (table, column).
- `discovery`, `classify`: distinct ids per column from the Parquet snapshots, classified by
  identity (`in_uat`, `collision`, `orphan_known`, `orphan_unknown`).
- `strategies`, `matching`, `transform`: strategies and fallback, the manual map first; the
  transformation map.
- `reports`, `documents`, `remap_sql`, `schemas`, `artifacts`: the files of `out/uat-users/`.
- `outcome`, `remap_check`, `verify`: the independent check of the emitted INSERT values and of
  the UPDATE script.
- `docs`: the generated sections of `docs/uat-users.md` and the committed schemas.
"""
