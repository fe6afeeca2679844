"""Infrastructure as code: the CDK app, Lambda asset bundling and the deployers (local cloud, AWS)."""

import os

# jsii warns on every call under Node 20; the app is tested with it (ARCHITECTURE.md).
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
