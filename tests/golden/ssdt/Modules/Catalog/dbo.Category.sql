CREATE TABLE [dbo].[Category] (
    [Id] INT IDENTITY (1, 1) NOT NULL,
    [Name] NVARCHAR(100) NOT NULL,
    [Description] NVARCHAR(2000) NULL,
    [CreatedBy] INT NULL,
    [CreatedOn] DATETIME NULL,
    [UpdatedBy] INT NULL,
    [UpdatedOn] DATETIME NULL,
    CONSTRAINT [PK_Category] PRIMARY KEY CLUSTERED ([Id] ASC)
);
