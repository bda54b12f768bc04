-- The runtime role of the app, created when the PostgreSQL volume is first initialised.
--
-- docker-compose.yml mounts this file into /docker-entrypoint-initdb.d/, so the postgres image
-- runs it once, as the database owner (POSTGRES_USER, `sozialraum`), with ON_ERROR_STOP.
-- The password comes from the container environment (SAAS_APP_DB_PASSWORD); `\getenv` needs
-- psql 15 or newer.
--
-- `sozialraum_app` owns nothing, is no superuser, has no BYPASSRLS and is member of no role
-- (so no SET ROLE), so the row-level security policies apply to every query of the app. The
-- policies accept a tenant scope only with the app's signature (saas/core/rls.py): SQL run as
-- this role cannot widen it. Its rights on tables and sequences are granted by the migrations,
-- which run as the owner, refuse to run while this role is missing and repair its grants on
-- every `flask db upgrade`.
-- Re-running the script is harmless: it creates the role if missing and resets its attributes.

\set ON_ERROR_STOP on

\getenv app_password SAAS_APP_DB_PASSWORD
\if :{?app_password}
\else
  \set app_password ''
\endif
SELECT :'app_password' = '' AS app_password_missing \gset
\if :app_password_missing
  DO $$ BEGIN RAISE EXCEPTION 'SAAS_APP_DB_PASSWORD is not set: cannot create the role sozialraum_app'; END $$;
\endif

SELECT 'CREATE ROLE sozialraum_app'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sozialraum_app') \gexec

ALTER ROLE sozialraum_app WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'app_password';

GRANT CONNECT ON DATABASE :"DBNAME" TO sozialraum_app;
-- PostgreSQL 15 already withholds CREATE on the public schema from PUBLIC; say it explicitly,
-- so the app role can never create (and so own) objects there.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
-- No temporary objects either: the app needs none, and a function of its own is of no use to
-- a role that should only run the app's queries.
REVOKE TEMPORARY ON DATABASE :"DBNAME" FROM PUBLIC;
