-- osddl seed | module Geo | entity Country | rows 2 | mode additive
MERGE INTO [dbo].[OSUSR_GEO_COUNTRY] AS t
USING (VALUES
    (1, N'PT', N'Portugal', NULL),
    (2, N'NL', N'Netherlands', 17800000)
) AS s ([ID], [CODE], [NAME], [POPULATION])
ON t.[ID] = s.[ID]
WHEN MATCHED AND (t.[NAME] <> s.[NAME]) THEN
    UPDATE SET t.[NAME] = s.[NAME]
WHEN NOT MATCHED BY TARGET THEN
    INSERT ([ID], [CODE], [NAME], [POPULATION])
    VALUES (s.[ID], s.[CODE], s.[NAME], s.[POPULATION])
;
