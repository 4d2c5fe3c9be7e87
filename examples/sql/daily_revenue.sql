-- Daily net revenue per sales channel, from completed orders.
-- Dialect: DuckDB. Input: a table or view named `orders` with the columns of data/orders.csv.
-- Step `daily_revenue` of config/pipeline.yaml; one output row per UTC day and channel.

WITH deduplicated AS (
    -- A retried ingestion job can load an order twice: keep one row per order_id.
    SELECT *
    FROM orders
    QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY order_ts) = 1
)
SELECT
    CAST(timezone('UTC', order_ts) AS DATE)       AS order_date,
    coalesce(channel, 'unknown')                  AS channel,
    count(*)                                      AS orders,
    sum(items)                                    AS items,
    round(sum(amount - coalesce(discount, 0)), 2) AS net_revenue_eur
FROM deduplicated
WHERE status = 'completed'
GROUP BY ALL
ORDER BY order_date, channel;
