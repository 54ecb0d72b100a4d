-- osddl post-deployment script: static entity seeds, parents before children.
-- Generated; edit the model or the seeds' source data, not this file.
:r .\Seeds\Sales\dbo.OrderStatus.seed.sql
