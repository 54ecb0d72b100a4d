CREATE TABLE [billing].[BillingAccount] (
    [AccountId] BIGINT NOT NULL,
    [AccountNumber] NVARCHAR(20) NOT NULL,
    [HolderName] NVARCHAR(200) NULL,
    [Balance] DECIMAL(18,4) NULL,
    [ExternalRef] UNIQUEIDENTIFIER NULL,
    [OpenedAt] DATETIME2(7) NULL,
    [IsClosed] BIT NULL,
    CONSTRAINT [PK_BillingAccount] PRIMARY KEY CLUSTERED ([AccountId] ASC)
);
