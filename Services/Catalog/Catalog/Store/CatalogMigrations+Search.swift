import Postgres

extension CatalogMigrations {
    /// Descriptive attributes (`details`: material, brand, ... any name and value) and full-text
    /// search. Every product's own text and each of its translations has a search document,
    /// kept by triggers whatever writes them: the words stemmed by the locale's language
    /// (English for the product's own text) and unstemmed, weighted title over description; and
    /// for Chinese, Japanese and Korean, which do not separate words, every character and every
    /// pair of neighbouring characters, so that any run of characters in a title is found.
    static let search = PostgresMigration(
        version: 2, name: "details_and_search",
        sql: """
            ALTER TABLE products ADD COLUMN details jsonb NOT NULL DEFAULT '{}'
                CONSTRAINT products_details_object CHECK (jsonb_typeof(details) = 'object');
            CREATE INDEX products_details ON products USING gin (details jsonb_path_ops);

            CREATE FUNCTION search_config(locale text) RETURNS regconfig LANGUAGE sql IMMUTABLE SET search_path FROM CURRENT AS $$
                SELECT (CASE split_part(lower(locale), '-', 1)
                    WHEN 'en' THEN 'english' WHEN 'de' THEN 'german' WHEN 'fr' THEN 'french' WHEN 'es' THEN 'spanish'
                    WHEN 'it' THEN 'italian' WHEN 'pt' THEN 'portuguese' WHEN 'nl' THEN 'dutch' WHEN 'ru' THEN 'russian'
                    WHEN 'sv' THEN 'swedish' ELSE 'simple' END)::regconfig
            $$;

            CREATE FUNCTION is_cjk(c text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
                SELECT c ~ '[\\u3040-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uac00-\\ud7af\\uf900-\\ufaff]'
            $$;

            -- The terms a document gets for its CJK text: each character, and each pair of neighbours.
            CREATE FUNCTION cjk_terms(t text) RETURNS text LANGUAGE sql IMMUTABLE SET search_path FROM CURRENT AS $$
                SELECT coalesce(string_agg(
                    CASE WHEN is_cjk(substr(t, i + 1, 1)) THEN substr(t, i, 1) || ' ' || substr(t, i, 2) ELSE substr(t, i, 1) END, ' '), '')
                FROM generate_series(1, length(t)) AS i WHERE is_cjk(substr(t, i, 1))
            $$;

            -- The terms a query looks for in CJK text: its pairs of neighbours (a lone character alone).
            CREATE FUNCTION cjk_query_terms(t text) RETURNS text LANGUAGE sql IMMUTABLE SET search_path FROM CURRENT AS $$
                SELECT coalesce(string_agg(
                    CASE WHEN is_cjk(substr(t, i + 1, 1)) THEN substr(t, i, 2)
                         WHEN i > 1 AND is_cjk(substr(t, i - 1, 1)) THEN NULL
                         ELSE substr(t, i, 1) END, ' '), '')
                FROM generate_series(1, length(t)) AS i WHERE is_cjk(substr(t, i, 1))
            $$;

            CREATE FUNCTION search_document(config regconfig, title text, description text) RETURNS tsvector
            LANGUAGE sql IMMUTABLE SET search_path FROM CURRENT AS $$
                SELECT setweight(to_tsvector(config, title) || to_tsvector('simple', title || ' ' || cjk_terms(title)), 'A')
                    || setweight(to_tsvector(config, description) || to_tsvector('simple', description || ' ' || cjk_terms(description)), 'B')
            $$;

            -- A query in any of the languages documents are stemmed in, or CJK characters: the
            -- distinct forms it takes, or-ed (a query of no words is empty and finds nothing).
            CREATE FUNCTION search_query(q text) RETURNS tsquery LANGUAGE sql IMMUTABLE SET search_path FROM CURRENT AS $$
                SELECT coalesce(string_agg(DISTINCT '(' || t::text || ')', ' | '), '')::tsquery FROM (
                    SELECT websearch_to_tsquery(c, q) AS t
                    FROM unnest(ARRAY['simple', 'english', 'german', 'french', 'spanish', 'italian', 'portuguese', 'dutch', 'russian',
                                      'swedish']::regconfig[]) AS c
                    UNION ALL SELECT plainto_tsquery('simple', cjk_query_terms(q)) WHERE cjk_query_terms(q) <> ''
                ) AS parts WHERE numnode(t) > 0
            $$;

            -- One search document per product ('' : its own text) and translation.
            CREATE TABLE product_search (
                product text NOT NULL REFERENCES products (code) ON DELETE CASCADE,
                locale text NOT NULL,
                document tsvector NOT NULL,
                PRIMARY KEY (product, locale)
            );
            CREATE INDEX product_search_document ON product_search USING gin (document);

            CREATE FUNCTION products_search() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
            BEGIN
                INSERT INTO product_search (product, locale, document) VALUES (NEW.code, '', search_document('english', NEW.title, NEW.description))
                ON CONFLICT (product, locale) DO UPDATE SET document = EXCLUDED.document;
                RETURN NULL;
            END $$;
            CREATE TRIGGER products_search AFTER INSERT OR UPDATE OF title, description ON products
                FOR EACH ROW EXECUTE FUNCTION products_search();

            CREATE FUNCTION translations_search() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    DELETE FROM product_search WHERE product = OLD.product AND locale = OLD.locale;
                    RETURN NULL;
                END IF;
                INSERT INTO product_search (product, locale, document)
                VALUES (NEW.product, NEW.locale, search_document(search_config(NEW.locale), NEW.title, NEW.description))
                ON CONFLICT (product, locale) DO UPDATE SET document = EXCLUDED.document;
                RETURN NULL;
            END $$;
            CREATE TRIGGER translations_search AFTER INSERT OR UPDATE OR DELETE ON translations
                FOR EACH ROW EXECUTE FUNCTION translations_search();

            INSERT INTO product_search (product, locale, document)
                SELECT code, '', search_document('english', title, description) FROM products;
            INSERT INTO product_search (product, locale, document)
                SELECT product, locale, search_document(search_config(locale), title, description) FROM translations;
            """)
}
