CREATE TABLE [dbo].[OK] ([ID] INT NOT NULL);

GO

-- the next statement is not DDL
CREATE TABLE [dbo].[BAD] (
    [ID] INT NOT NULL,
    [NAME] NVARCHAR (50) NOT NULL ~~~ ((( bogus
);
