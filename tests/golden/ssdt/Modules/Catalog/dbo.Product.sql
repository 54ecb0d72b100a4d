CREATE TABLE [dbo].[Product] (
    [Id] INT IDENTITY (1, 1) NOT NULL,
    [Sku] NVARCHAR(30) NOT NULL,
    [Name] NVARCHAR(200) NOT NULL,
    [CategoryId] INT NOT NULL,
    [Price] DECIMAL(18,4) NOT NULL,
    [Weight] DECIMAL(10,3) NULL,
    [IsDiscontinued] BIT NULL CONSTRAINT [DF_Product_IsDiscontinued] DEFAULT (0),
    [Image] VARBINARY(MAX) NULL,
    [LaunchDate] DATE NULL,
    [DailyCutoff] TIME(7) NULL,
    [ApprovedBy] INT NULL,
    [CreatedBy] INT NULL,
    [CreatedOn] DATETIME NULL,
    [UpdatedBy] INT NULL,
    [UpdatedOn] DATETIME NULL,
    CONSTRAINT [PK_Product] PRIMARY KEY CLUSTERED ([Id] ASC),
    CONSTRAINT [FK_Product_Category_CategoryId] FOREIGN KEY ([CategoryId]) REFERENCES [dbo].[Category] ([Id])
);

GO

CREATE UNIQUE NONCLUSTERED INDEX [UIX_Product_Sku] ON [dbo].[Product] ([Sku] ASC);

GO

EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'Id of the user who approved the product (no declared reference)', @level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'TABLE', @level1name = N'Product', @level2type = N'COLUMN', @level2name = N'ApprovedBy';
