"""OTLP/HTTP ingest: OpenTelemetry logs, metrics and spans (Claude Code's, GenAI spans) mapped to
task events on the same stream as webhooks. The mapping is documented in docs/otlp.md."""
