"""The central relay: stores every device's events idempotently, keeps the
device registry, enriches alarms and computes statistics and reports."""
