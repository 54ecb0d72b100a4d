CREATE TABLE [dbo].[ProductTag] (
    [ProductId] INT NOT NULL,
    [TagId] INT NOT NULL,
    [CreatedBy] INT NULL,
    CONSTRAINT [PK_ProductTag] PRIMARY KEY CLUSTERED ([ProductId] ASC, [TagId] ASC),
    CONSTRAINT [FK_ProductTag_Product_ProductId] FOREIGN KEY ([ProductId]) REFERENCES [dbo].[Product] ([Id]) ON DELETE CASCADE,
    CONSTRAINT [FK_ProductTag_Tag_TagId] FOREIGN KEY ([TagId]) REFERENCES [dbo].[Tag] ([Id]) ON DELETE CASCADE
);

GO

EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'Junction table with a composite key', @level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'TABLE', @level1name = N'ProductTag';
