CREATE TABLE [dbo].[Customer] (
    [Id] INT IDENTITY (1, 1) NOT NULL,
    [Name] NVARCHAR(100) NOT NULL,
    [Email] NVARCHAR(250) NOT NULL,
    [MobilePhone] NVARCHAR(20) NULL,
    [CreditLimit] DECIMAL(18,4) NULL,
    [IsVip] BIT NULL CONSTRAINT [DF_Customer_IsVip] DEFAULT (0),
    [AccountManagerId] INT NULL,
    [BillingAccountId] BIGINT NULL,
    [Notes] NVARCHAR(MAX) NULL,
    [CreatedBy] INT NULL,
    [CreatedOn] DATETIME NULL,
    [UpdatedBy] INT NULL,
    [UpdatedOn] DATETIME NULL,
    CONSTRAINT [PK_Customer] PRIMARY KEY CLUSTERED ([Id] ASC)
);

GO

CREATE NONCLUSTERED INDEX [IX_Customer_Email] ON [dbo].[Customer] ([Email] ASC);
