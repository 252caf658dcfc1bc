-- Raw rows per source against loaded plus rejected rows.
SELECT source, raw_rows, loaded_rows, rejected_rows,
       raw_rows - loaded_rows - rejected_rows AS unexplained_rows,
       rejected_rows / nullif(raw_rows, 0) AS reject_rate
FROM etl_reconciliation
ORDER BY source
