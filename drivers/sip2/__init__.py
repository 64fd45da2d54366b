"""SIP2 (3M Standard Interchange Protocol 2.00): the pure message codec,
the async client (TCP/TLS transport, retries, keep-alive) and per-ILS
dialects."""
