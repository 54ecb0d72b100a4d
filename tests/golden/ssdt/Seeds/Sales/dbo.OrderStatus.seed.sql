-- osddl seed | module Sales | entity OrderStatus | rows 5 | mode merge
MERGE INTO [dbo].[OrderStatus] AS t
USING (VALUES
    (1, N'New', 10, 1),
    (2, N'Paid', 20, 1),
    (3, N'Shipped', 30, 1),
    (4, N'Delivered', 40, 1),
    (5, N'Cancelled', 90, 0)
) AS s ([Id], [Label], [Order], [Is_Active])
ON t.[Id] = s.[Id]
WHEN MATCHED AND (t.[Label] <> s.[Label] OR (t.[Label] IS NULL AND s.[Label] IS NOT NULL) OR (t.[Label] IS NOT NULL AND s.[Label] IS NULL) OR t.[Order] <> s.[Order] OR (t.[Order] IS NULL AND s.[Order] IS NOT NULL) OR (t.[Order] IS NOT NULL AND s.[Order] IS NULL) OR t.[Is_Active] <> s.[Is_Active] OR (t.[Is_Active] IS NULL AND s.[Is_Active] IS NOT NULL) OR (t.[Is_Active] IS NOT NULL AND s.[Is_Active] IS NULL)) THEN
    UPDATE SET t.[Label] = s.[Label], t.[Order] = s.[Order], t.[Is_Active] = s.[Is_Active]
WHEN NOT MATCHED BY TARGET THEN
    INSERT ([Id], [Label], [Order], [Is_Active])
    VALUES (s.[Id], s.[Label], s.[Order], s.[Is_Active])
;
