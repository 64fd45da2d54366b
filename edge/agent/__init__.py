"""The edge agent: drains the device's outbox to MQTT, publishes state and
health, and answers remote commands."""
