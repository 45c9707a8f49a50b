import Postgres

extension SagaMigrations {
    static let warehouseShipments = PostgresMigration(
        version: 8, name: "warehouse_shipments",
        sql: """
            -- Fulfilment no longer issues stock and records made-up shipments itself: after
            -- allocating it waits for the warehouses' shipments (steps 4 to 6). Its steps were
            -- 0 hold, 1 reserve, 2 await payment, 3 allocate, 4 issue stock, 5 record shipments,
            -- 6 await delivery, 7 take as delivered, 8 complete; they are 0 to 3 as before,
            -- 4 await shipment, 5 report late, 6 await shipment after deadline, 7 await delivery,
            -- 8 take as delivered, 9 complete. A saga at 6 or later moves one on; one caught
            -- at 4 or 5 (its command out) waits for its shipment, with a new ship-by deadline.
            UPDATE instances SET step = step + 1, state = jsonb_set(state, '{step}', to_jsonb(step + 1))
            WHERE type = 'fulfilment' AND step >= 6;
            UPDATE instances SET step = 4, request_id = NULL, deadline = date_trunc('second', now()) + interval '48 hours',
                state = jsonb_set(jsonb_set(state - 'request_id', '{step}', '4'), '{deadline}', to_jsonb(to_char(
                    (date_trunc('second', now()) + interval '48 hours') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')))
            WHERE type = 'fulfilment' AND status = 'waiting' AND NOT compensating AND step IN (4, 5);
            """)
}
