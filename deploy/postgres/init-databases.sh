#!/bin/sh
# Run once by the postgres image's entrypoint on an empty data directory (mounted into
# /docker-entrypoint-initdb.d), as POSTGRES_USER, who then owns these databases and runs the migrations.
# Each subgraph (and the schema registry) owns its own database; its migrations create the tables on first start.
#
# The services themselves log in as lattice_service: no superuser, no owner, only a member of lattice_app, the
# role row-level security binds (see docs/security.md, Row-level security). Its password comes from LATTICE_SERVICE_DB_PASSWORD.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v service_password="${LATTICE_SERVICE_DB_PASSWORD:?set LATTICE_SERVICE_DB_PASSWORD}" <<'SQL'
CREATE DATABASE lattice_identity;
CREATE DATABASE lattice_tenancy;
CREATE DATABASE lattice_audit;
CREATE DATABASE lattice_registry;
CREATE ROLE lattice_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
CREATE ROLE lattice_service LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD :'service_password' IN ROLE lattice_app;
SQL
