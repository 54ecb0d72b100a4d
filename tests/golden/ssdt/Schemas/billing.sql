CREATE SCHEMA [billing];
