CREATE TABLE [dbo].[OrderStatus] (
    [Id] INT NOT NULL,
    [Label] NVARCHAR(50) NOT NULL,
    [Order] INT NOT NULL,
    [Is_Active] BIT NOT NULL CONSTRAINT [DF_OrderStatus_Is_Active] DEFAULT (1),
    CONSTRAINT [PK_OrderStatus] PRIMARY KEY CLUSTERED ([Id] ASC)
);

GO

EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'Static entity: records defined in the model', @level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'TABLE', @level1name = N'OrderStatus';
