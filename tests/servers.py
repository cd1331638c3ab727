"""Real local HTTP servers for the tests (no mocks): the demo corpus server (radar/demo_server.py) and the
webhook receiver that alert tests deliver to (radar/webhook_receiver.py, shared with `radar bench faults`)."""
from radar.demo_server import CorpusServer, RequestRecord, load_manifest  # noqa: F401  (re-exported)
from radar.webhook_receiver import WebhookReceiver, WebhookRequest  # noqa: F401  (re-exported)
