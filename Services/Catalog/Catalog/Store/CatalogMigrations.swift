import Postgres

/// The catalog schema. Natural keys are unique in the database (product code, SKU code,
/// barcode), prices are integers of minor units that cannot be negative, and a sold SKU
/// cannot be deleted (its product can only be deactivated).
public enum CatalogMigrations {
    public static let all = [
        PostgresMigration(
            version: 1, name: "catalog",
            sql: """
                CREATE TABLE categories (
                    code text PRIMARY KEY,
                    name text NOT NULL,
                    parent text REFERENCES categories (code),
                    CONSTRAINT categories_not_own_parent CHECK (parent IS NULL OR parent <> code)
                );

                CREATE TABLE products (
                    code text PRIMARY KEY,
                    title text NOT NULL,
                    description text NOT NULL DEFAULT '',
                    category text REFERENCES categories (code),
                    tax_category text NOT NULL,
                    tags text[] NOT NULL DEFAULT '{}',
                    images text[] NOT NULL DEFAULT '{}',
                    attributes jsonb NOT NULL DEFAULT '[]',
                    active boolean NOT NULL DEFAULT true,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    updated_at timestamptz NOT NULL DEFAULT now()
                );
                CREATE INDEX products_category ON products (category);
                CREATE INDEX products_tags ON products USING gin (tags);

                CREATE TABLE skus (
                    code text PRIMARY KEY,
                    product text NOT NULL REFERENCES products (code),
                    options jsonb NOT NULL DEFAULT '{}',
                    barcode text UNIQUE,
                    price_minor bigint CONSTRAINT skus_price_not_negative CHECK (price_minor >= 0),
                    currency text,
                    active boolean NOT NULL DEFAULT true,
                    sold boolean NOT NULL DEFAULT false,
                    CONSTRAINT skus_price_has_currency CHECK ((price_minor IS NULL) = (currency IS NULL))
                );
                CREATE INDEX skus_product ON skus (product);

                CREATE TABLE translations (
                    product text NOT NULL REFERENCES products (code) ON DELETE CASCADE,
                    locale text NOT NULL,
                    title text NOT NULL,
                    description text NOT NULL DEFAULT '',
                    PRIMARY KEY (product, locale)
                );

                -- A sold SKU is history: it may be deactivated, never deleted.
                CREATE FUNCTION skus_keep_sold() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF OLD.sold THEN
                        RAISE EXCEPTION 'SKU % has been sold and cannot be deleted', OLD.code USING ERRCODE = 'P0001';
                    END IF;
                    RETURN OLD;
                END $$;
                CREATE TRIGGER skus_keep_sold BEFORE DELETE ON skus FOR EACH ROW EXECUTE FUNCTION skus_keep_sold();
                """),
        search,
    ]
}
