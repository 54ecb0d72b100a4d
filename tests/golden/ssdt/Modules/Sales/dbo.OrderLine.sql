CREATE TABLE [dbo].[OrderLine] (
    [Id] INT IDENTITY (1, 1) NOT NULL,
    [OrderId] INT NOT NULL,
    [LineNumber] INT NOT NULL,
    [ProductId] INT NOT NULL,
    [Quantity] INT NOT NULL CONSTRAINT [DF_OrderLine_Quantity] DEFAULT (1),
    [UnitPrice] DECIMAL(18,4) NULL,
    [Discount] DECIMAL(5,2) NULL CONSTRAINT [DF_OrderLine_Discount] DEFAULT (0),
    [CreatedBy] INT NULL,
    [CreatedOn] DATETIME NULL,
    [UpdatedBy] INT NULL,
    [UpdatedOn] DATETIME NULL,
    CONSTRAINT [PK_OrderLine] PRIMARY KEY CLUSTERED ([Id] ASC),
    CONSTRAINT [FK_OrderLine_Order_OrderId] FOREIGN KEY ([OrderId]) REFERENCES [dbo].[Order] ([Id]) ON DELETE CASCADE,
    CONSTRAINT [FK_OrderLine_Product_ProductId] FOREIGN KEY ([ProductId]) REFERENCES [dbo].[Product] ([Id])
);

GO

CREATE UNIQUE NONCLUSTERED INDEX [UIX_OrderLine_OrderId_LineNumber] ON [dbo].[OrderLine] ([OrderId] ASC, [LineNumber] ASC);
