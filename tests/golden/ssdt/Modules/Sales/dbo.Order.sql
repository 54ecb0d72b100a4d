CREATE TABLE [dbo].[Order] (
    [Id] INT IDENTITY (1, 1) NOT NULL,
    [Number] NVARCHAR(20) NOT NULL,
    [CustomerId] INT NOT NULL,
    [StatusId] INT NOT NULL,
    [SalesRepId] INT NULL,
    [PlacedAt] DATETIME2(7) NOT NULL,
    [ShippedAt] DATETIME NULL,
    [Total] DECIMAL(37,8) NULL,
    [Comment] NVARCHAR(500) NULL,
    [AssignedTo] INT NULL,
    [CreatedBy] INT NULL,
    [CreatedOn] DATETIME NULL,
    [UpdatedBy] INT NULL,
    [UpdatedOn] DATETIME NULL,
    CONSTRAINT [PK_Order] PRIMARY KEY CLUSTERED ([Id] ASC),
    CONSTRAINT [FK_Order_Customer_CustomerId] FOREIGN KEY ([CustomerId]) REFERENCES [dbo].[Customer] ([Id]),
    CONSTRAINT [FK_Order_OrderStatus_StatusId] FOREIGN KEY ([StatusId]) REFERENCES [dbo].[OrderStatus] ([Id])
);

GO

EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'User handling the order: a real FK to ossys_User', @level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'TABLE', @level1name = N'Order', @level2type = N'COLUMN', @level2name = N'AssignedTo';
