-- One login role per service, owning that service's schema and nothing else: a service
-- connects as its role and can use no other schema. The database owner (the role running
-- this script, or the one named by the setting erp.owner) is made a member of every
-- service role, so that `erpctl migrate` and the reports can act as each service.
-- Idempotent: an existing schema (from before roles existed) is handed to its role.
-- Passwords default to the role name for local use; change them for production with
-- ALTER ROLE erp_<service> PASSWORD '...'.
DO $$
DECLARE
    owner text := coalesce(nullif(current_setting('erp.owner', true), ''), current_user);
    service text;
    service_role text;
    item record;
BEGIN
    FOREACH service IN ARRAY ARRAY['sample', 'catalog', 'inventory', 'orders', 'finance', 'crm', 'saga', 'analytics'] LOOP
        service_role := 'erp_' || service;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = service_role) THEN
            EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', service_role, service_role);
        END IF;
        EXECUTE format('GRANT %I TO %I', service_role, owner);
        IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = service) THEN
            EXECUTE format('CREATE SCHEMA %I AUTHORIZATION %I', service, service_role);
        ELSE
            EXECUTE format('ALTER SCHEMA %I OWNER TO %I', service, service_role);
            FOR item IN
                SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = service AND c.relkind IN ('r', 'p', 'v', 'm')
            LOOP
                EXECUTE format('ALTER %s %I.%I OWNER TO %I',
                    CASE item.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
                    service, item.relname, service_role);
            END LOOP;
            FOR item IN SELECT p.oid::regprocedure AS signature FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = service
            LOOP
                EXECUTE format('ALTER FUNCTION %s OWNER TO %I', item.signature, service_role);
            END LOOP;
        END IF;
    END LOOP;
END $$;

-- The analysts' login: it reads the analytics schema's views (owned by erp_analytics, which
-- is granted read access to exactly the tables they use) and nothing else: `erpctl migrate`
-- grants it each view, never the job runner's own tables. Every transaction is read-only and
-- no statement runs longer than a minute. On the replica nothing can write anyway. Change the
-- password for production with ALTER ROLE erp_analyst PASSWORD '...'.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'erp_analyst') THEN
        CREATE ROLE erp_analyst LOGIN PASSWORD 'erp_analyst';
    END IF;
END $$;
ALTER ROLE erp_analyst SET default_transaction_read_only = on;
ALTER ROLE erp_analyst SET statement_timeout = '60s';
-- No JIT compilation: the analyses' plans look costly, but compiling them took longer than
-- running them (reorder suggestions on 1,000,000 orders: 1.5 s with it, 0.4 s without).
ALTER ROLE erp_analyst SET jit = off;
GRANT USAGE ON SCHEMA analytics TO erp_analyst;
-- (An earlier text of this script let erp_analyst read every table of the schema: undone.)
ALTER DEFAULT PRIVILEGES FOR ROLE erp_analytics IN SCHEMA analytics REVOKE SELECT ON TABLES FROM erp_analyst;

-- The analytics job runner reports how the analysts' replica keeps up (its replay lag in
-- pg_stat_replication, which only members of pg_monitor can read).
GRANT pg_monitor TO erp_analytics;
