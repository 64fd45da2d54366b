"""MQTT plumbing shared by the agent and the relay: an asyncio driver for
paho-mqtt 2.x (MQTT v5), connection settings from the configuration (TLS,
client certificates, credentials) and the contract's JSON Schema checks."""
