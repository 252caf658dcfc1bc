-- Stored data-quality checks summarised by type.
SELECT check_type,
       count(*) AS n_checks,
       count(*) FILTER (WHERE NOT passed) AS n_failed,
       sum(failed_rows)::BIGINT AS failed_rows
FROM etl_check
GROUP BY ALL
ORDER BY check_type
