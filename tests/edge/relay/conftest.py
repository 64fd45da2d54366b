from tests.peers.mosquitto import mosquitto, mqtt_pki  # noqa: F401
from tests.peers.postgres import postgres_server, postgres_url  # noqa: F401
from tests.peers.sip2 import demo_ils  # noqa: F401
