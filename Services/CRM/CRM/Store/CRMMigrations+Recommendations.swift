import Postgres

extension CRMMigrations {
    /// What recommendations are made of, kept up to date by the CRM's events (no full
    /// recompute per order): what each customer bought, returned and viewed; how strongly two
    /// SKUs go together; the best sellers; and the catalog's and inventory's facts about
    /// each SKU that decide whether it may be recommended.
    static let recommendations = PostgresMigration(
        version: 12, name: "recommendations",
        sql: """
            -- A SKU as the catalog and inventory announced it (catalog.sku.changed.v1,
            -- catalog.product.*, inventory.stock.availability.v1). Not known yet: taken as
            -- active and in stock.
            CREATE TABLE sku_facts (
                sku text PRIMARY KEY,
                product text,
                active boolean NOT NULL DEFAULT true,
                in_stock boolean,
                updated_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX sku_facts_product ON sku_facts (product);
            CREATE TABLE product_facts (
                product text PRIMARY KEY,
                category text,
                active boolean NOT NULL DEFAULT true,
                updated_at timestamptz NOT NULL DEFAULT now()
            );

            -- What a customer bought (units), returned (units) and viewed (times), per SKU.
            CREATE TABLE customer_items (
                customer bigint NOT NULL REFERENCES customers (id),
                sku text NOT NULL,
                bought integer NOT NULL DEFAULT 0 CHECK (bought >= 0),
                returned integer NOT NULL DEFAULT 0 CHECK (returned >= 0),
                views integer NOT NULL DEFAULT 0 CHECK (views >= 0),
                last_at timestamptz NOT NULL,
                PRIMARY KEY (customer, sku)
            );
            CREATE INDEX customer_items_recent ON customer_items (customer, last_at DESC);

            -- How two SKUs go together, kept in both directions (sku → other and other → sku):
            -- bought in one order, bought by one customer in different orders, one viewed by a
            -- customer who bought or viewed the other, one returned from an order that held the
            -- other. The score weighs them (a view counts least; a return counts against).
            CREATE TABLE item_pairs (
                sku text NOT NULL,
                other text NOT NULL CHECK (other <> sku),
                together integer NOT NULL DEFAULT 0,
                same_customer integer NOT NULL DEFAULT 0,
                viewed integer NOT NULL DEFAULT 0,
                returned integer NOT NULL DEFAULT 0,
                score integer GENERATED ALWAYS AS (3 * together + 2 * same_customer + viewed - 4 * returned) STORED,
                PRIMARY KEY (sku, other)
            );
            CREATE INDEX item_pairs_best ON item_pairs (sku, score DESC, other);

            -- Best sellers: orders and units per SKU, less what came back.
            CREATE TABLE sku_sales (
                sku text PRIMARY KEY,
                orders bigint NOT NULL DEFAULT 0,
                units bigint NOT NULL DEFAULT 0,
                returned bigint NOT NULL DEFAULT 0
            );
            CREATE INDEX sku_sales_best ON sku_sales ((orders - returned) DESC, sku);
            """)
}
