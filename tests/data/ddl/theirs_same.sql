-- Same shapes as ours/, written by hand in another style: lower case, no brackets, other
-- constraint names, `NVARCHAR (50)` spacing, numeric for decimal, implicit datetime2 scale,
-- keys added afterwards with ALTER TABLE, tables in a different order.
create table sales.osusr_sal_order (
  id bigint identity(1,1),
  number NVARCHAR (20) not null,
  customerid BIGINT not null,
  shipcountryid int,
  total numeric(18,4) not null,
  placedat datetime2 not null,
  isgift bit not null default 0,
  primary key (id)
);
go
create table dbo.osusr_sal_customer (
  id bigint identity(1, 1) not null primary key,
  name nvarchar(100) not null,
  email NVARCHAR(250) null,
  countryid int null references dbo.osusr_geo_country,
  creditlimit DECIMAL(18,4) not null,
  notes nvarchar(MAX),
  createdon datetime2(7) not null
);
go
CREATE TABLE Osusr_Geo_Country (
  Id INT NOT NULL,
  Code NCHAR(2) NOT NULL,
  Name NVARCHAR (50) NOT NULL,
  Population BIGINT,
  CONSTRAINT pk_country PRIMARY KEY (Id),
  CONSTRAINT uq_country_code UNIQUE (Code)
)
Go ;
alter table sales.osusr_sal_order add constraint fk1 foreign key (customerid)
  references dbo.osusr_sal_customer (id) on delete cascade;
alter table sales.osusr_sal_order add constraint fk2 foreign key (shipcountryid)
  references dbo.osusr_geo_country (id) on delete set null;
alter table sales.osusr_sal_order add constraint uq_number unique (number);
create unique index ux_email on dbo.osusr_sal_customer (email) where email is not null;
GO
