-- Quarantined rows by source and reason (counts only: the raw records stay in the datamart).
SELECT source, reason, count(*) AS n_rows
FROM etl_reject
GROUP BY ALL
ORDER BY source, n_rows DESC, reason
