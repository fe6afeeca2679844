"""Infrastructure as code: the CDK app, Lambda asset bundling and the deployers (local cloud, AWS)."""

import os

# jsii prints a banner on every synth under Node 20, which the app is tested with (ARCHITECTURE.md);
# Node 22/24 need neither switch.
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
