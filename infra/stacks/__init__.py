"""CDK stacks of the platform."""
