CREATE TABLE [dbo].[Employee] (
    [Id] INT IDENTITY (1, 1) NOT NULL,
    [EmployeeNumber] NVARCHAR(20) NOT NULL,
    [FirstName] NVARCHAR(50) NOT NULL,
    [LastName] NVARCHAR(50) NOT NULL,
    [Email] NVARCHAR(250) NULL,
    [DepartmentId] INT NOT NULL,
    [ManagerId] INT NULL,
    [HireDate] DATE NULL,
    [Salary] DECIMAL(37,8) NULL,
    [IsActive] BIT NOT NULL CONSTRAINT [DF_Employee_IsActive] DEFAULT (1),
    [Photo] VARBINARY(MAX) NULL,
    [Notes] NVARCHAR(MAX) NULL,
    [CreatedBy] INT NULL,
    [CreatedOn] DATETIME NULL,
    [UpdatedBy] INT NULL,
    [UpdatedOn] DATETIME NULL,
    CONSTRAINT [PK_Employee] PRIMARY KEY CLUSTERED ([Id] ASC),
    CONSTRAINT [FK_Employee_Department_DepartmentId] FOREIGN KEY ([DepartmentId]) REFERENCES [dbo].[Department] ([Id]),
    CONSTRAINT [FK_Employee_Employee_ManagerId] FOREIGN KEY ([ManagerId]) REFERENCES [dbo].[Employee] ([Id])
);

GO

CREATE UNIQUE NONCLUSTERED INDEX [UIX_Employee_EmployeeNumber] ON [dbo].[Employee] ([EmployeeNumber] ASC);
