-- osddl: foreign keys to platform tables (ossys_User). The platform table is not part of this
-- project (each environment's platform owns it), so SSDT cannot create these with the tables.
-- Run this script once the data is loaded: after DynamicData/load.sql with pre-transformed
-- INSERTs (their user ids are already UAT ids), or after uat-users/02_apply_user_remap.sql when
-- QA ids were loaded. WITH CHECK: a user id that is not in the target's ossys_User stops it.
ALTER TABLE [dbo].[Order] WITH CHECK ADD CONSTRAINT [FK_Order_ossys_User_AssignedTo] FOREIGN KEY ([AssignedTo]) REFERENCES [dbo].[ossys_User] ([Id]);
GO
