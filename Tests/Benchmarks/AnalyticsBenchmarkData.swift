/// The generated data of `erp-bench analytics`, as SQL over the services' schemas (`{orders}`...):
/// order i of N is placed (N - i) * 730 / N days ago (the newest last), on web, shopify or tmall,
/// in USD one time in ten (else CNY), with three lines of SKUs spread evenly; one in fifty is
/// cancelled, one in forty has a line returned and refunded, one in twenty-five is still owed.
enum AnalyticsBenchmarkData {
    static func statements(orders n: Int, skus s: Int) -> [(String, String)] {
        let placed = "now() - ((\(n) - o) * interval '730 days' / \(n))"
        let price = "(1000 + (k * 37) % 9000)"
        return [
            (
                "categories and products",
                """
                INSERT INTO {catalog}.categories (code, name) SELECT 'CAT-' || c, 'Category ' || c FROM generate_series(0, 19) AS c;
                INSERT INTO {catalog}.products (code, title, category, tax_category)
                SELECT 'P-' || p, 'Product ' || p, 'CAT-' || (p % 20), 'standard' FROM generate_series(0, \(s / 5)) AS p
                """
            ),
            (
                "SKUs",
                """
                INSERT INTO {catalog}.skus (code, product, price_minor, currency) SELECT 'SKU-' || k, 'P-' || (k / 5), \(price), 'CNY'
                FROM generate_series(0, \(s - 1)) AS k
                """
            ),
            (
                "order lines",
                """
                INSERT INTO {orders}.order_lines (order_id, line, sku, title, quantity, unit_price_minor, discount_minor, total_minor)
                SELECT o, line, 'SKU-' || k, 'SKU ' || k, q, \(price), 0, q * \(price)
                FROM generate_series(1, \(n)) AS o, generate_series(1, 3) AS line,
                     LATERAL (SELECT ((o::bigint * 2654435761 + line * 40503) % \(s))::int AS k, 1 + (o + line) % 3 AS q) AS pick
                """
            ),
            (
                "orders",
                """
                INSERT INTO {orders}.orders (id, platform, shop, external_id, revision, status, currency, prices_include_tax, customer,
                    shipping_fee_minor, merchandise_minor, discount_minor, total_minor, payment, placed_at, created_at, updated_at)
                SELECT o, (ARRAY['web', 'shopify', 'tmall'])[o % 3 + 1], 'main', 'B' || o, 1,
                       CASE WHEN o % 50 = 0 THEN 'cancelled' WHEN o % 25 = 0 THEN 'shipped' ELSE 'completed' END,
                       CASE WHEN o % 10 = 0 THEN 'USD' ELSE 'CNY' END, true, '{}'::jsonb, 1000, m, 0, m + 1000, '{}'::jsonb, \(placed), \(placed), \(placed)
                FROM (SELECT order_id AS o, sum(total_minor) AS m FROM {orders}.order_lines GROUP BY order_id) AS lines
                """
            ),
            (
                "status history",
                """
                INSERT INTO {orders}.status_history (order_id, from_status, to_status, reason, actor, at)
                SELECT o.id, step.from_status, step.to_status, 'generated', 'bench', o.placed_at + step.after
                FROM {orders}.orders o,
                     LATERAL (VALUES ('pending_payment', 'paid', interval '1 hour'), ('paid', 'shipped', interval '1 day'),
                                     ('shipped', 'completed', interval '5 days')) AS step(from_status, to_status, after)
                WHERE o.status <> 'cancelled' AND (o.status = 'completed' OR step.to_status <> 'completed')
                UNION ALL
                SELECT id, 'pending_payment', 'cancelled', 'generated', 'bench', placed_at + interval '1 hour' FROM {orders}.orders WHERE status = 'cancelled'
                """
            ),
            (
                "returns",
                """
                INSERT INTO {orders}.returns (rma, order_id, kind, status, reason, previous_status, refund_minor, requested_at, inspected_at, closed_at)
                SELECT 'RMA-' || o.id, o.id, 'return', 'completed', 'does not fit', 'completed', l.unit_price_minor,
                       o.placed_at + interval '7 days', o.placed_at + interval '9 days', o.placed_at + interval '10 days'
                FROM {orders}.orders o JOIN {orders}.order_lines l ON l.order_id = o.id AND l.line = 1 WHERE o.id % 40 = 0 AND o.status <> 'cancelled';
                INSERT INTO {orders}.return_lines (rma, line, sku, quantity, refund_minor, sellable)
                SELECT r.rma, 1, l.sku, 1, r.refund_minor, 1 FROM {orders}.returns r JOIN {orders}.order_lines l ON l.order_id = r.order_id AND l.line = 1
                """
            ),
            (
                "invoices",
                """
                INSERT INTO {finance}.invoices (number, kind, order_id, channel, currency, prices_include_tax, net_minor, tax_minor, gross_minor,
                    status, issued_on, due_on, document)
                SELECT 'INV-' || id, 'invoice', id, platform, currency, true, round(total_minor / 1.13), total_minor - round(total_minor / 1.13),
                       total_minor, 'issued', placed_at::date, placed_at::date + 30, ''
                FROM {orders}.orders WHERE status <> 'cancelled'
                """
            ),
            (
                "invoice lines",
                """
                INSERT INTO {finance}.invoice_lines (number, line, sku, description, quantity, basis_points, net_minor, tax_minor, gross_minor)
                SELECT 'INV-' || l.order_id, l.line, l.sku, l.title, l.quantity, 1300, round(l.total_minor / 1.13),
                       l.total_minor - round(l.total_minor / 1.13), l.total_minor
                FROM {orders}.order_lines l JOIN {orders}.orders o ON o.id = l.order_id WHERE o.status <> 'cancelled'
                UNION ALL
                SELECT 'INV-' || id, 4, NULL, 'Shipping', 1, 1300, 885, 115, 1000 FROM {orders}.orders WHERE status <> 'cancelled'
                """
            ),
            (
                "journal entries",
                """
                INSERT INTO {finance}.journal_entries (id, entry_date, description, source, currency, posted_at)
                SELECT id * 3 + kind, placed_at::date + kind, 'generated', (ARRAY['invoice:INV-', 'cogs:', 'platform-payment:'])[kind + 1] || id,
                       CASE WHEN kind = 1 THEN 'CNY' ELSE currency END, placed_at
                FROM {orders}.orders, generate_series(0, 2) AS kind
                WHERE status <> 'cancelled' AND (kind < 2 OR status = 'completed')
                """
            ),
            (
                "journal lines",
                """
                INSERT INTO {finance}.journal_lines (entry_id, line, account, debit_minor, credit_minor, currency)
                SELECT i.order_id * 3, 1, '1100', i.gross_minor, 0, i.currency FROM {finance}.invoices i
                UNION ALL SELECT i.order_id * 3, 2, '4000', 0, i.net_minor - 885, i.currency FROM {finance}.invoices i
                UNION ALL SELECT i.order_id * 3, 3, '4100', 0, 885, i.currency FROM {finance}.invoices i
                UNION ALL SELECT i.order_id * 3, 4, '2100', 0, i.tax_minor, i.currency FROM {finance}.invoices i
                UNION ALL SELECT o.id * 3 + 2, 1, '1010', o.total_minor, 0, o.currency FROM {orders}.orders o WHERE o.status = 'completed'
                UNION ALL SELECT o.id * 3 + 2, 2, '1100', 0, o.total_minor, o.currency FROM {orders}.orders o WHERE o.status = 'completed'
                """
            ),
            (
                "cost of goods",
                """
                INSERT INTO {finance}.cost_lines (order_ref, sku, quantity, cost_minor, currency, entry_id)
                SELECT l.order_id::text, l.sku, l.quantity, l.total_minor * 4 / 10, 'CNY', l.order_id * 3 + 1
                FROM {orders}.order_lines l JOIN {orders}.orders o ON o.id = l.order_id WHERE o.status <> 'cancelled';
                INSERT INTO {finance}.journal_lines (entry_id, line, account, debit_minor, credit_minor, currency)
                SELECT entry_id, 1, '5000', sum(cost_minor), 0, 'CNY' FROM {finance}.cost_lines GROUP BY entry_id
                UNION ALL SELECT entry_id, 2, '1200', 0, sum(cost_minor), 'CNY' FROM {finance}.cost_lines GROUP BY entry_id
                """
            ),
            (
                "receivables",
                """
                INSERT INTO {finance}.open_items (kind, document, order_id, party, currency, amount_minor, open_minor, opened_on, due_on)
                SELECT 'receivable', i.number, i.order_id, 'Customer ' || i.order_id, i.currency, i.gross_minor, i.gross_minor, i.issued_on, i.due_on
                FROM {finance}.invoices i JOIN {orders}.orders o ON o.id = i.order_id WHERE o.status = 'shipped'
                """
            ),
            (
                "stock and lots",
                """
                INSERT INTO {inventory}.warehouses (code, name, region) VALUES ('SH', 'Shanghai', '上海市'), ('BJ', 'Beijing', '北京市'), ('GZ', 'Guangzhou', '广东省');
                INSERT INTO {inventory}.stock (sku, warehouse, on_hand, reserved)
                SELECT 'SKU-' || k, w, 20 + (k * 13) % 400, (k * 13) % 7 FROM generate_series(0, \(s - 1)) AS k, unnest(ARRAY['SH', 'BJ', 'GZ']) AS w;
                INSERT INTO {inventory}.lots (sku, warehouse, lot, unit_cost_minor, currency, received_at, on_hand)
                SELECT sku, warehouse, 'L1', (1000 + (substr(sku, 5)::int * 37) % 9000) * 4 / 10, 'CNY', now() - interval '730 days', on_hand
                FROM {inventory}.stock
                """
            ),
            (
                "stock movements",
                """
                INSERT INTO {inventory}.movements (kind, sku, warehouse, lot, quantity, reference, occurred_at)
                SELECT 'receipt', sku, warehouse, 'L1', on_hand, 'PO-1', now() - interval '730 days' FROM {inventory}.stock
                UNION ALL
                SELECT 'issue', l.sku, (ARRAY['SH', 'BJ', 'GZ'])[l.order_id % 3 + 1], 'L1', -l.quantity, l.order_id::text, o.placed_at + interval '1 day'
                FROM {orders}.order_lines l JOIN {orders}.orders o ON o.id = l.order_id WHERE o.status <> 'cancelled'
                """
            ),
            (
                "customers",
                """
                INSERT INTO {crm}.customers (id, created_at, updated_at) SELECT c, now() - interval '730 days', now() FROM generate_series(1, \(max(1, n / 5))) AS c;
                INSERT INTO {crm}.customer_orders (order_id, customer, platform, shop, external_id, currency, total_minor, status, placed_at)
                SELECT id, (id * 7919) % \(max(1, n / 5)) + 1, platform, shop, external_id, currency, total_minor, status, placed_at FROM {orders}.orders;
                INSERT INTO {crm}.customer_rfm (customer, recency_days, frequency, monetary_minor, currency, r, f, m, segment, since, computed_at)
                SELECT customer, 0, count(*), sum(total_minor), 'CNY', 1 + count(*) % 5, 1 + count(*) % 5, 1 + sum(total_minor) % 5,
                       (ARRAY['champions', 'loyal', 'potential', 'at_risk', 'hibernating'])[1 + count(*) % 5], now(), now()
                FROM {crm}.customer_orders GROUP BY customer
                """
            ),
        ]
    }
}
