"""Agent Task Tracker notifications: rules over the event stream, delivered to webhooks, Slack
and email."""
