-- osddl post-deployment script: static entity seeds, parents before children.
-- Generated; edit the model or the seeds' source data, not this file.
:r .\Seeds\Geo\dbo.OSUSR_GEO_COUNTRY.seed.sql
