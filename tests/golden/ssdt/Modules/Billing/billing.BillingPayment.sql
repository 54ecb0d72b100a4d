CREATE TABLE [billing].[BillingPayment] (
    [PaymentId] BIGINT NOT NULL,
    [AccountId] BIGINT NOT NULL,
    [Amount] DECIMAL(18,4) NULL,
    [PaidAt] DATETIME NULL,
    [Reference] NVARCHAR(50) NULL,
    CONSTRAINT [PK_BillingPayment] PRIMARY KEY CLUSTERED ([PaymentId] ASC),
    CONSTRAINT [FK_BillingPayment_BillingAccount_AccountId] FOREIGN KEY ([AccountId]) REFERENCES [billing].[BillingAccount] ([AccountId])
);
