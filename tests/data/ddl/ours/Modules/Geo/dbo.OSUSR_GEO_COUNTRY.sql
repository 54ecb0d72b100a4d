CREATE TABLE [dbo].[OSUSR_GEO_COUNTRY] (
    [ID] INT NOT NULL,
    [CODE] NCHAR (2) NOT NULL,
    [NAME] NVARCHAR (50) NOT NULL,
    [POPULATION] BIGINT NULL,
    CONSTRAINT [PK_OSUSR_GEO_COUNTRY] PRIMARY KEY CLUSTERED ([ID] ASC)
);

GO

CREATE UNIQUE NONCLUSTERED INDEX [UX_OSUSR_GEO_COUNTRY_CODE] ON [dbo].[OSUSR_GEO_COUNTRY] ([CODE] ASC);

GO

EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'Countries (static entity).', @level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'TABLE', @level1name = N'OSUSR_GEO_COUNTRY';
