"""The app's tables, one module per concern; import them from here."""

from .apikeys import ApiKey  # noqa: F401
from .fingerprints import DocumentFingerprint  # noqa: F401
from .index import IndexEntry, IndexStamp, SyncCheckpoint  # noqa: F401
from .permissions import CandidateSearch, JobSearch, MatchingPermission  # noqa: F401
from .tombstones import Tombstone  # noqa: F401
from .webhooks import Delivery, DeliveryAttempt, Event, WebhookEndpoint  # noqa: F401
