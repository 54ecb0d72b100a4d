CREATE TABLE [dbo].[Department] (
    [Id] INT IDENTITY (1, 1) NOT NULL,
    [Name] NVARCHAR(100) NOT NULL,
    [Code] NVARCHAR(10) NOT NULL,
    [HeadEmployeeId] INT NULL,
    [CreatedBy] INT NULL,
    [CreatedOn] DATETIME NULL,
    [UpdatedBy] INT NULL,
    [UpdatedOn] DATETIME NULL,
    CONSTRAINT [PK_Department] PRIMARY KEY CLUSTERED ([Id] ASC),
    CONSTRAINT [FK_Department_Employee_HeadEmployeeId] FOREIGN KEY ([HeadEmployeeId]) REFERENCES [dbo].[Employee] ([Id])
);
