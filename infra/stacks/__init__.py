"""The CDK app's stacks: one back-office stack per Chalice stage (dev, prod)."""
