-- Run once by the postgres image's entrypoint on an empty data directory (mounted into
-- /docker-entrypoint-initdb.d), as POSTGRES_USER, who then owns these databases.
-- Each subgraph owns its own database; its migrations create the tables on first start.
CREATE DATABASE lattice_identity;
CREATE DATABASE lattice_tenancy;
CREATE DATABASE lattice_audit;
